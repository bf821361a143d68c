import { Flags } from '@oclif/core';
import { killContainer, RyouikiError, type ContainerState } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Kill extends JsonCommand {
  static override summary = 'Send a signal to running containers (default SIGKILL).';
  static override examples = ['<%= config.bin %> kill web', '<%= config.bin %> kill -s HUP 3f2a'];
  static override strict = false;
  static override flags = {
    signal: Flags.string({ char: 's', description: 'the signal, by name (TERM, SIGHUP) or number', default: 'KILL' }),
    ...storeFlags,
  };

  override async run(): Promise<ContainerState[]> {
    const { flags, argv } = await this.parse(Kill);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to signal: ryouiki kill ID...');
    return mapContainers(argv as string[], async (query) => {
      const state = await killContainer(query, flags.signal, { root: flags.root });
      if (!this.jsonEnabled()) process.stdout.write(`${query}\n`);
      return state;
    });
  }
}
