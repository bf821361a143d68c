import { Flags } from '@oclif/core';
import { type ContainerState, listContainers, stopContainer } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers, namedOrAll } from '../each-container.js';
import { storeFlags } from '../flags.js';
import { parseSeconds } from '../units.js';

export default class Stop extends JsonCommand {
  static override summary = "Stop containers: SIGTERM (or the image's StopSignal), then SIGKILL after a timeout.";
  static override examples = ['<%= config.bin %> stop web', '<%= config.bin %> stop -a -t 2'];
  static override strict = false;
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'stop every running container' }),
    time: Flags.string({ char: 't', description: 'seconds to wait after SIGTERM before SIGKILL', default: '10' }),
    ...storeFlags,
  };

  override async run(): Promise<Array<ContainerState | undefined>> {
    const { flags, argv } = await this.parse(Stop);
    const timeout = parseSeconds(flags.time, '--time');
    const root = flags.root;
    const running = async (): Promise<string[]> => (await listContainers({ root })).filter((state) => state.status === 'running').map((state) => state.id);
    const queries = await namedOrAll(argv as string[], flags.all, 'ryouiki stop [-t SECONDS] (ID... | -a)', running);
    return mapContainers(queries, async (query) => {
      const state = await stopContainer(query, timeout, { root: flags.root });
      if (!this.jsonEnabled()) process.stdout.write(`${query}\n`);
      return state;
    });
  }
}
