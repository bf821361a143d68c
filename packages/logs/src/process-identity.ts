import { readFileSync } from 'node:fs';

/**
 * A PID alone can be reused; a PID with its start time (field 22 of
 * /proc/PID/stat) and the boot it belongs to names one process for good.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
  bootId: string;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function currentBootId(): string {
  return (readOrUndefined('/proc/sys/kernel/random/boot_id') ?? '').trim();
}

/** Parses the start time out of a /proc/PID/stat line; the command name may hold spaces and parentheses. */
export function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function procState(stat: string): string | undefined {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

export function processIdentity(pid: number): ProcessIdentity | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  const startTime = stat === undefined ? undefined : startTimeFromStat(stat);
  return startTime === undefined ? undefined : { pid, startTime, bootId: currentBootId() };
}

/** Whether the very process that identity names is alive now (a zombie is not). */
export function isAlive(identity: ProcessIdentity | undefined): boolean {
  if (identity === undefined || identity.bootId !== currentBootId()) return false;
  const stat = readOrUndefined(`/proc/${identity.pid}/stat`);
  if (stat === undefined || startTimeFromStat(stat) !== identity.startTime) return false;
  const state = procState(stat);
  return state !== 'Z' && state !== 'X';
}
