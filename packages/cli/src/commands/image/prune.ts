import { Flags } from '@oclif/core';
import { imagesInUse, pruneImages } from '@ryouiki/core/internal';
import { JsonCommand } from '../../json-command.js';
import { storeFlags } from '../../flags.js';

export default class ImagePrune extends JsonCommand {
  static override summary = 'Remove the images without a name (with --all: every image no container uses), and their unshared layers.';
  static override examples = ['<%= config.bin %> image prune', '<%= config.bin %> image prune --all'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'every image no container uses, named or not' }),
    ...storeFlags,
  };

  override async run(): Promise<string[]> {
    const { flags } = await this.parse(ImagePrune);
    const removed = await pruneImages({ root: flags.root, all: flags.all, inUse: imagesInUse({ root: flags.root }) });
    if (!this.jsonEnabled()) for (const id of removed) process.stdout.write(`${id.slice(7)}\n`);
    return removed;
  }
}
