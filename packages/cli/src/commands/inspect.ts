import { Flags } from '@oclif/core';
import { inspectContainer, isRyouikiError, parsePidList, processLogs, RyouikiError, type ContainerState, type ProcessLog } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { forEachContainer } from '../each-container.js';
import { storeFlags } from '../flags.js';

function printLogs(logs: ProcessLog[]): void {
  process.stdout.write(logs.flatMap((log) => log.lines.map((line) => `${line}\n`)).join(''));
}

async function printContainerStates(queries: string[], root: string | undefined): Promise<void> {
  const states: ContainerState[] = [];
  await forEachContainer(queries, async (query) => {
    states.push(await inspectContainer(query, { root }));
  }).finally(() => process.stdout.write(`${JSON.stringify(states, null, 2)}\n`));
}

export default class Inspect extends JsonCommand {
  static override summary = 'Print the state of detached containers, or the process log of containers: binding_vow/<PID>.ryouiki.';
  static override description =
    "With ids or names, prints the containers' full states as a JSON array. With --pid or --all, prints process logs: each line is command,pid,status (started, then done, failed, or killed when the ryouiki of the run was killed before it could record its end), the exit code, the time (ISO 8601, milliseconds) and the run it belongs to. Without either, every process log is printed, as with --all; with --json, the same logs as JSON, lines parsed.";
  static override examples = ['<%= config.bin %> inspect web', '<%= config.bin %> inspect --pid 1234,5678', '<%= config.bin %> inspect --all', '<%= config.bin %> inspect --all --json'];
  static override strict = false;

  static override flags = {
    pid: Flags.string({ description: 'comma-separated PIDs whose logs to print', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'print the logs of every process' }),
    ...storeFlags,
  };

  override async run(): Promise<ProcessLog[] | void> {
    const { flags, argv } = await this.parse(Inspect);
    if (argv.length > 0) {
      if (flags.pid !== undefined || flags.all) throw new RyouikiError('USAGE', 'give either container ids or names, or --pid/--all, not both');
      await printContainerStates(argv as string[], flags.root);
      return;
    }
    const pids = flags.pid === undefined ? undefined : parsePidList(flags.pid);
    try {
      const logs = await processLogs({ root: flags.root, pids });
      if (!this.jsonEnabled()) printLogs(logs);
      return logs;
    } catch (error) {
      // The logs that exist are printed before the error about those that do not, as podman inspect does.
      if (isRyouikiError(error) && error.code === 'PROCESS_LOG_NOT_FOUND' && !this.jsonEnabled()) printLogs(error.result as ProcessLog[]);
      throw error;
    }
  }
}
