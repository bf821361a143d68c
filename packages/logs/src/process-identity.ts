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

let bootId: string | undefined;

/** The boot this process runs in: the same for all of its life, so read once. */
export function currentBootId(): string {
  bootId ??= (readOrUndefined('/proc/sys/kernel/random/boot_id') ?? '').trim();
  return bootId;
}

/** Parses the start time out of a /proc/PID/stat line; the command name may hold spaces and parentheses. */
export function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function procState(stat: string): string | undefined {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

let ownStartTime: string | undefined;

export function processIdentity(pid: number): ProcessIdentity | undefined {
  // This process's own start time cannot change; a launch asks for it at every lock.
  if (pid === process.pid && ownStartTime !== undefined) return { pid, startTime: ownStartTime, bootId: currentBootId() };
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  const startTime = stat === undefined ? undefined : startTimeFromStat(stat);
  if (startTime === undefined) return undefined;
  if (pid === process.pid) ownStartTime = startTime;
  return { pid, startTime, bootId: currentBootId() };
}

/** Whether the very process that identity names is alive now (a zombie is not). */
export function isAlive(identity: ProcessIdentity | undefined): boolean {
  if (identity === undefined || identity.bootId !== currentBootId()) return false;
  const stat = readOrUndefined(`/proc/${identity.pid}/stat`);
  if (stat === undefined || startTimeFromStat(stat) !== identity.startTime) return false;
  const state = procState(stat);
  return state !== 'Z' && state !== 'X';
}
