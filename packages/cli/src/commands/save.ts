import { Args, Flags } from '@oclif/core';
import { saveImage } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';

export default class Save extends JsonCommand {
  static override summary = 'Write an image of the store as an oci-archive (podman load and skopeo read it).';
  static override examples = ['<%= config.bin %> save -o alpine.tar alpine'];
  static override aliases = ['image:save'];
  static override args = { image: Args.string({ description: 'the image', required: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'the archive to write', required: true }),
    format: Flags.string({ description: 'the archive format', options: ['oci-archive'], default: 'oci-archive' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Save);
    await saveImage(args.image, flags.output, { root: flags.root });
  }
}
