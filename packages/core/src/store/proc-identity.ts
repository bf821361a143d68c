import { readdirSync, readFileSync, statSync } from 'node:fs';

// Process identities live with the process log, which names each run by one.
export { currentBootId, isAlive, processIdentity, startTimeFromStat, type ProcessIdentity } from '@ryouiki/logs';

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  return (readOrUndefined(`/proc/${pid}/task/${pid}/children`) ?? '')
    .split(/\s+/)
    .filter((text) => text !== '')
    .map(Number);
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

/** This process's soft limit named NAME in /proc/self/limits (`Max file size`, `Max stack size`), undefined when unlimited. */
export function softLimit(name: string): number | undefined {
  const line = (readOrUndefined('/proc/self/limits') ?? '').split('\n').find((entry) => entry.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}
