import { Flags } from '@oclif/core';
import { RyouikiError, stopContainer, type ContainerState } from '@ryouiki/core';
import { JsonCommand } from '../json-command.js';
import { mapContainers } from '../each-container.js';
import { storeFlags } from '../flags.js';
import { parseSeconds } from '../units.js';

export default class Stop extends JsonCommand {
  static override summary = 'Stop containers: SIGTERM (or the image\'s StopSignal), then SIGKILL after a timeout.';
  static override examples = ['<%= config.bin %> stop web', '<%= config.bin %> stop -t 2 3f2a 9bc1'];
  static override strict = false;
  static override enableJsonFlag = true;
  static override flags = {
    time: Flags.string({ char: 't', description: 'seconds to wait after SIGTERM before SIGKILL', default: '10' }),
    ...storeFlags,
  };

  override async run(): Promise<Array<ContainerState | undefined>> {
    const { flags, argv } = await this.parse(Stop);
    const timeout = parseSeconds(flags.time, '--time');
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to stop: ryouiki stop ID...');
    return mapContainers(argv as string[], async (query) => {
      const state = await stopContainer(query, timeout, { root: flags.root });
      if (!this.jsonEnabled()) process.stdout.write(`${query}\n`);
      return state;
    });
  }
}
