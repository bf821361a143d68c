import { Args, Flags } from '@oclif/core';
import { commitContainer } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { progressOnStderr } from '../registry-flags.js';

export default class Commit extends JsonCommand {
  static override summary = "Make a new image of a container: its image's layers and what it wrote over them.";
  static override description =
    "The container must run on an image (run IMAGE, start IMAGE, tenkai --image), and either still run or have run detached without --rm: such a container keeps its writes until `ryouiki rm`. The new image has the image's config, with the --change instructions applied. Prints the new image id.";
  static override examples = [
    '<%= config.bin %> commit web localhost/web:configured',
    '<%= config.bin %> commit -m "nginx configured" --author "Ada <ada@example.org>" --change \'CMD ["nginx", "-g", "daemon off;"]\' --change "EXPOSE 80" web web:2',
  ];
  static override aliases = ['container:commit'];
  static override args = {
    container: Args.string({ description: 'the container: its id, a unique prefix of 4 or more digits, or its name', required: true }),
    name: Args.string({ description: "the new image's name; one without a host is localhost/NAME", required: true }),
  };
  static override flags = {
    change: Flags.string({
      char: 'c',
      multiple: true,
      multipleNonGreedy: true,
      description: 'a Dockerfile instruction for the new config, as docker and podman apply it: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL or VOLUME (repeatable)',
    }),
    message: Flags.string({ char: 'm', description: "the new layer's comment, in the image's history" }),
    author: Flags.string({ char: 'a', description: "the new image's author" }),
    quiet: Flags.boolean({ char: 'q', description: 'print only the image id' }),
    ...storeFlags,
  };

  override async run(): Promise<{ id: string; names: string[] }> {
    const { args, flags } = await this.parse(Commit);
    const image = await commitContainer(args.container, args.name, {
      root: flags.root,
      changes: flags.change ?? [],
      message: flags.message,
      author: flags.author,
      onProgress: this.jsonEnabled() ? undefined : progressOnStderr(flags.quiet),
    });
    if (!this.jsonEnabled()) process.stdout.write(`${image.id.slice(7)}\n`);
    return { id: image.id, names: image.names };
  }
}
