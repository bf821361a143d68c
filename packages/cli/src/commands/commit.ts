import { Args, Flags } from '@oclif/core';
import { commitContainer } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { progressOnStderr } from '../registry-flags.js';

export default class Commit extends JsonCommand {
  static override summary = "Make a new image of a running container: its image's layers and what it wrote over them.";
  static override description =
    "The container must run on an image (run IMAGE, start IMAGE, tenkai --image) and still be running: its writes live in its own upper layer until it ends. The new image has the image's config. Prints the new image id.";
  static override examples = ['<%= config.bin %> commit web localhost/web:configured'];
  static override aliases = ['container:commit'];
  static override args = {
    container: Args.string({ description: 'the container: its id, a unique prefix of 4 or more digits, or its name', required: true }),
    name: Args.string({ description: "the new image's name; one without a host is localhost/NAME", required: true }),
  };
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only the image id' }),
    ...storeFlags,
  };

  override async run(): Promise<{ id: string; names: string[] }> {
    const { args, flags } = await this.parse(Commit);
    const image = await commitContainer(args.container, args.name, { root: flags.root, onProgress: this.jsonEnabled() ? undefined : progressOnStderr(flags.quiet) });
    if (!this.jsonEnabled()) process.stdout.write(`${image.id.slice(7)}\n`);
    return { id: image.id, names: image.names };
  }
}
