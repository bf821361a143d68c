import { Command, Flags } from '@oclif/core';
import { dataDir, RyouikiError } from '@ryouiki/core';
import { listProcessLogPids, readProcessLog } from '@ryouiki/logs';
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

export default class Inspect extends Command {
  static override summary = 'Print the process log of containers: binding_vow/<PID>.ryouiki.';
  static override description = 'Each line is command,pid,status (started, then done or failed), the exit code and the time. Without --pid, every process log is printed, as with --all.';
  static override examples = ['<%= config.bin %> inspect --pid 1234,5678', '<%= config.bin %> inspect --all'];

  static override flags = {
    pid: Flags.string({ description: 'comma-separated PIDs whose logs to print', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'print the logs of every process' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Inspect);
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
