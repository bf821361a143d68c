import { readdirSync, readFileSync, statSync } from 'node:fs';

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

function children(pid: number): number[] {
  return (readOrUndefined(`/proc/${pid}/task/${pid}/children`) ?? '').split(/\s+/).filter((text) => text !== '').map(Number);
}

function ownedBySelf(pid: string): boolean {
  try {
    return statSync(`/proc/${pid}`).uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * This user's live processes whose command line mentions one of the markers
 * (a container's folder), with all their descendants: what is left of a
 * container whose record is lost (an init blanks its own command line, so
 * it is found as its helper's child).
 */
export function processesMentioning(markers: string[]): number[] {
  const found = new Set<number>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    if (Number(name) === process.pid || !ownedBySelf(name)) continue;
    const cmdline = (readOrUndefined(`/proc/${name}/cmdline`) ?? '').split('\0').join(' ');
    if (markers.some((marker) => cmdline.includes(marker))) found.add(Number(name));
  }
  const queue = [...found];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children(pid)) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return [...found];
}
