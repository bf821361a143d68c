import { Flags } from '@oclif/core';
import { imagesInUse, removeImage, RyouikiError } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Rmi extends JsonCommand {
  static override summary = 'Remove images from the store (a name; the image and its unshared layers with its last name).';
  static override examples = ['<%= config.bin %> rmi alpine', '<%= config.bin %> rmi 3f2a9c1b7e0d'];
  static override aliases = ['image:rm'];
  static override strict = false;
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'remove it even when a container uses it' }),
    ...storeFlags,
  };

  override async run(): Promise<{ untagged: string[]; deleted?: string }[]> {
    const { flags, argv } = await this.parse(Rmi);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the images to remove: ryouiki rmi IMAGE...');
    const inUse = flags.force ? new Set<string>() : imagesInUse({ root: flags.root });
    return mapContainers(argv as string[], async (query) => {
      const result = await removeImage(query, { root: flags.root, inUse });
      if (!this.jsonEnabled()) {
        for (const name of result.untagged) process.stdout.write(`Untagged: ${name}\n`);
        if (result.deleted !== undefined) process.stdout.write(`Deleted: ${result.deleted.slice(7)}\n`);
      }
      return result;
    });
  }
}
