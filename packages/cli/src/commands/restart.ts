import { Command, Flags } from '@oclif/core';
import { listContainers, restartContainer } from '@ryouiki/core/internal';
import { forEachContainer, namedOrAll } from '../each-container.js';
import { storeFlags } from '../flags.js';
import { CLEANUP_COMMAND } from '../launch.js';
import { parseSeconds } from '../units.js';

export default class Restart extends Command {
  static override summary = 'Restart containers: stop a running one (SIGTERM, then SIGKILL after a timeout) and start it again as it was.';
  static override description =
    'The container keeps its id, name, command, environment, mounts, network, published ports, limits and log (its output goes on in the same log). A stopped container is just started. A container started with --rm cannot be restarted: it is removed once it stops.';
  static override examples = ['<%= config.bin %> restart web', '<%= config.bin %> restart -t 2 web db', '<%= config.bin %> restart -a --running'];
  static override strict = false;
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'restart every container, stopped ones too' }),
    running: Flags.boolean({ description: 'with --all: only the running containers' }),
    time: Flags.string({ char: 't', description: 'seconds to wait after SIGTERM before SIGKILL', default: '10' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Restart);
    const timeout = parseSeconds(flags.time, '--time');
    const root = flags.root;
    const wanted = async (): Promise<string[]> =>
      (await listContainers({ root })).filter((state) => (flags.running ? state.status === 'running' : state.status === 'running' || state.status === 'stopped')).map((state) => state.id);
    const queries = await namedOrAll(argv as string[], flags.all, 'ryouiki restart [-t SECONDS] (ID... | -a)', wanted);
    await forEachContainer(queries, async (query) => {
      await restartContainer(query, timeout, { root, exitCommand: CLEANUP_COMMAND });
      process.stdout.write(`${query}\n`);
    });
  }
}
