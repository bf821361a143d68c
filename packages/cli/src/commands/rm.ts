import { Command, Flags } from '@oclif/core';
import { removeContainer, RyouikiError } from '@ryouiki/core';
import { forEachContainer } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Rm extends Command {
  static override summary = 'Remove stopped containers: their state and logs.';
  static override examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f 3f2a'];
  static override strict = false;
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'stop running containers first (SIGKILL)' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Rm);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to remove: ryouiki rm ID...');
    await forEachContainer(argv as string[], async (query) => {
      await removeContainer(query, flags.force, { root: flags.root });
      process.stdout.write(`${query}\n`);
    });
  }
}
