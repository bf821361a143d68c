import { abandonedRunEnds, completeAbandonedRuns, formatProcessLogLine, listProcessLogPids, parseProcessLogLine, readProcessLog, type ProcessLogEntry } from '@ryouiki/logs';
import { listContainers } from './container-control.js';
import { RyouikiError } from '../errors.js';
import { dataDir, type StoreOptions } from './paths.js';

export interface ProcessLog {
  pid: number;
  /** The lines as stored: `command,pid,status,exit code,time`. */
  lines: string[];
  entries: ProcessLogEntry[];
}

/** Parses `--pid`'s comma-separated list. */
export function parsePidList(text: string): number[] {
  return text.split(',').map((part) => {
    const pid = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(pid) || pid <= 0) {
      throw new RyouikiError('USAGE', `--pid takes PIDs separated by commas, got ${JSON.stringify(part)}: for example --pid 1234,5678`);
    }
    return pid;
  });
}

/** Records the runs of a PID that nobody will end as killed; those it cannot record (an unwritable binding_vow), it returns, to be shown all the same. */
function endAbandonedRuns(store: string, pid: number): string[] {
  try {
    completeAbandonedRuns(store, pid);
    return [];
  } catch {
    return abandonedRunEnds(store, pid).map(formatProcessLogLine);
  }
}

/**
 * The seed's process logs (binding_vow/<PID>.ryouiki) of the given PIDs, or of
 * every PID when none are given. A PID without a log is an error naming it.
 * Brought up to date first: the ends of detached containers are recorded, and
 * a run nobody is left to end (its ryouiki killed) is recorded as killed.
 */
export async function processLogs(options: StoreOptions & { pids?: number[] } = {}): Promise<ProcessLog[]> {
  const store = dataDir(options);
  await listContainers(options);
  const pids = options.pids ?? listProcessLogPids(store);
  const logs: ProcessLog[] = [];
  const missing: number[] = [];
  for (const pid of pids) {
    const unrecorded = readProcessLog(store, pid) === undefined ? [] : endAbandonedRuns(store, pid);
    const lines = readProcessLog(store, pid)?.concat(unrecorded);
    if (lines === undefined) missing.push(pid);
    else logs.push({ pid, lines, entries: lines.map(parseProcessLogLine).filter((entry) => entry !== undefined) });
  }
  if (missing.length > 0) {
    throw new RyouikiError('PROCESS_LOG_NOT_FOUND', `no process log for PID ${missing.join(', ')} in ${store}/binding_vow: list the known ones with ryouiki inspect --all`, { result: logs });
  }
  return logs;
}
