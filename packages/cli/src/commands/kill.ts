import { Command, Flags } from '@oclif/core';
import { killContainer, RyouikiError } from '@ryouiki/core';
import { forEachContainer } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Kill extends Command {
  static override summary = 'Send a signal to running containers (default SIGKILL).';
  static override examples = ['<%= config.bin %> kill web', '<%= config.bin %> kill -s HUP 3f2a'];
  static override strict = false;
  static override flags = {
    signal: Flags.string({ char: 's', description: 'the signal, by name (TERM, SIGHUP) or number', default: 'KILL' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Kill);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to signal: ryouiki kill ID...');
    await forEachContainer(argv as string[], async (query) => {
      await killContainer(query, flags.signal, { root: flags.root });
      process.stdout.write(`${query}\n`);
    });
  }
}
