import { Flags } from '@oclif/core';
import { loadImages } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { progressOnStderr } from '../registry-flags.js';

export default class Load extends JsonCommand {
  static override summary = 'Load images from a docker-archive, an oci-archive (docker save, podman save) or an OCI layout folder.';
  static override examples = ['<%= config.bin %> load -i busybox.tar'];
  static override aliases = ['image:load'];
  static override flags = {
    input: Flags.string({ char: 'i', description: 'the archive file or OCI layout folder', required: true }),
    quiet: Flags.boolean({ char: 'q', description: 'say nothing while copying' }),
    ...storeFlags,
  };

  override async run(): Promise<{ id: string; names: string[] }[]> {
    const { flags } = await this.parse(Load);
    const loaded = await loadImages(flags.input, { root: flags.root, onProgress: this.jsonEnabled() ? undefined : progressOnStderr(flags.quiet) });
    if (!this.jsonEnabled()) for (const image of loaded) process.stdout.write(`Loaded image: ${image.names.join(', ') || image.id.slice(7)}\n`);
    return loaded.map((image) => ({ id: image.id, names: image.names }));
  }
}
