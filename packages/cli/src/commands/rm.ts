import { Flags } from '@oclif/core';
import { removeContainer, RyouikiError } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Rm extends JsonCommand {
  static override summary = 'Remove stopped containers: their state and logs.';
  static override examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f 3f2a'];
  static override strict = false;
  static override enableJsonFlag = true;
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'stop running containers first (SIGKILL)' }),
    ...storeFlags,
  };

  override async run(): Promise<string[]> {
    const { flags, argv } = await this.parse(Rm);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to remove: ryouiki rm ID...');
    return mapContainers(argv as string[], async (query) => {
      const id = await removeContainer(query, flags.force, { root: flags.root });
      if (!this.jsonEnabled()) process.stdout.write(`${query}\n`);
      return id;
    });
  }
}
