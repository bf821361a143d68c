import { Command, Flags } from '@oclif/core';
import { isRyouikiError, parsePidList, processLogs, type ProcessLog } from '@ryouiki/core';
import { storeFlags } from '../flags.js';

function printLogs(logs: ProcessLog[]): void {
  process.stdout.write(logs.flatMap((log) => log.lines.map((line) => `${line}\n`)).join(''));
}

export default class Inspect extends Command {
  static override summary = 'Print the process log of containers: binding_vow/<PID>.ryouiki.';
  static override description = 'Each line is command,pid,status (started, then done or failed), the exit code and the time. Without --pid, every process log is printed, as with --all. With --json, the same logs as JSON, lines parsed.';
  static override examples = ['<%= config.bin %> inspect --pid 1234,5678', '<%= config.bin %> inspect --all', '<%= config.bin %> inspect --all --json'];
  static override enableJsonFlag = true;

  static override flags = {
    pid: Flags.string({ description: 'comma-separated PIDs whose logs to print', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'print the logs of every process' }),
    ...storeFlags,
  };

  override async run(): Promise<ProcessLog[]> {
    const { flags } = await this.parse(Inspect);
    const pids = flags.pid === undefined ? undefined : parsePidList(flags.pid);
    try {
      const logs = processLogs({ root: flags.root, pids });
      if (!this.jsonEnabled()) printLogs(logs);
      return logs;
    } catch (error) {
      // The logs that exist are printed before the error about those that do not, as podman inspect does.
      if (isRyouikiError(error) && error.code === 'PROCESS_LOG_NOT_FOUND' && !this.jsonEnabled()) printLogs(error.result as ProcessLog[]);
      throw error;
    }
  }
}
