import { Command, Flags } from '@oclif/core';
import { dataDir, inspectContainer, RyouikiError, type ContainerState } from '@ryouiki/core';
import { listProcessLogPids, readProcessLog } from '@ryouiki/logs';
import { forEachContainer } from '../each-container.js';
import { storeFlags } from '../flags.js';

function parsePidList(text: string): number[] {
  return text.split(',').map((part) => {
    const pid = Number(part.trim());
    if (!Number.isInteger(pid) || pid <= 0 || part.trim() === '') {
      throw new RyouikiError('USAGE', `--pid takes PIDs separated by commas, got ${JSON.stringify(part)}: for example --pid 1234,5678`);
    }
    return pid;
  });
}

async function printContainerStates(queries: string[], root: string | undefined): Promise<void> {
  const states: ContainerState[] = [];
  await forEachContainer(queries, async (query) => {
    states.push(await inspectContainer(query, { root }));
  }).finally(() => process.stdout.write(`${JSON.stringify(states, null, 2)}\n`));
}

export default class Inspect extends Command {
  static override summary = 'Print the state of detached containers, or the process log of containers: binding_vow/<PID>.ryouiki.';
  static override description = 'With ids or names, prints the containers\' full states as a JSON array. With --pid or --all, prints process logs: each line is command,pid,status (started, then done or failed), the exit code and the time. Without either, every process log is printed, as with --all.';
  static override examples = ['<%= config.bin %> inspect web', '<%= config.bin %> inspect --pid 1234,5678', '<%= config.bin %> inspect --all'];
  static override strict = false;

  static override flags = {
    pid: Flags.string({ description: 'comma-separated PIDs whose logs to print', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'print the logs of every process' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Inspect);
    if (argv.length > 0) {
      if (flags.pid !== undefined || flags.all) throw new RyouikiError('USAGE', 'give either container ids or names, or --pid/--all, not both');
      await printContainerStates(argv as string[], flags.root);
      return;
    }
    const store = dataDir({ root: flags.root });
    const pids = flags.pid === undefined ? listProcessLogPids(store) : parsePidList(flags.pid);
    const missing: number[] = [];
    for (const pid of pids) {
      const lines = readProcessLog(store, pid);
      if (lines === undefined) missing.push(pid);
      else process.stdout.write(lines.map((line) => `${line}\n`).join(''));
    }
    if (missing.length > 0) {
      throw new RyouikiError('PROCESS_LOG_NOT_FOUND', `no process log for PID ${missing.join(', ')} in ${store}/binding_vow: list the known ones with ryouiki inspect --all`);
    }
  }
}
