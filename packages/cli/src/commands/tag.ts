import { Args } from '@oclif/core';
import { tagImage } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';

export default class Tag extends JsonCommand {
  static override summary = 'Give an image in the store one more name.';
  static override examples = ['<%= config.bin %> tag alpine localhost/mine:1'];
  static override aliases = ['image:tag'];
  static override args = {
    image: Args.string({ description: 'the image', required: true }),
    name: Args.string({ description: 'the new name; one without a host is localhost/NAME', required: true }),
  };
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Tag);
    await tagImage(args.image, args.name, { root: flags.root });
  }
}
