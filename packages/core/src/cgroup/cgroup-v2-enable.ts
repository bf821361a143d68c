import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RyouikiError } from '../errors.js';

/**
 * cgroup v2 hands controllers only to the children of a cgroup that holds no
 * process itself (the no-internal-processes rule). Run as
 * `systemd-run --user --scope -p Delegate=yes ryouiki ...`, ryouiki sits alone
 * in its delegated scope: to give a container a memory limit there, it moves
 * itself (and its helper) into a leaf `ryouiki-self-<pid>`, enables the
 * controllers, and undoes both when its last container is gone, so the
 * caller's cgroup is left as it was.
 */
interface SelfMove {
  leaf: string;
  added: string[];
  containers: number;
}

/** Own cgroup folder to what this process changed in it. */
const changes = new Map<string, SelfMove>();

export function selfLeafName(pid = process.pid): string {
  return `ryouiki-self-${pid}`;
}

function readWords(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\s+/)
    .filter((word) => word !== '');
}

function procsOf(dir: string): number[] {
  return readWords(join(dir, 'cgroup.procs')).map(Number);
}

function writeControllers(dir: string, sign: '+' | '-', controllers: string[]): void {
  writeFileSync(join(dir, 'cgroup.subtree_control'), controllers.map((controller) => `${sign}${controller}`).join(' '));
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function enableError(parent: string, controllers: string[], reason: string, cause?: unknown): RyouikiError {
  return new RyouikiError('CGROUP_FAILED', `cgroup: cannot enable ${controllers.join(' ')} for containers in ${parent}: ${reason}`, { cause });
}

function busyReason(parent: string, others: number[]): string {
  return `cgroup v2 gives controllers only to cgroups that hold no process, and ${parent} holds processes other than ryouiki's (${others.join(' ')}): run ryouiki in a scope of its own (systemd-run --user --scope -p Delegate=yes ryouiki ...), or give --cgroup-parent a delegated cgroup that holds no process`;
}

/** Moves `pids` (this process and its helper) out of the way into a leaf of `own`. */
function moveIntoLeaf(own: string, pids: number[]): string {
  const leaf = join(own, selfLeafName());
  mkdirSync(leaf, { recursive: true });
  for (const pid of pids) writeFileSync(join(leaf, 'cgroup.procs'), String(pid));
  return leaf;
}

/**
 * Makes `controllers` available to the children of `parent`. When the parent
 * is the caller's own cgroup and holds only `movable` processes (this one,
 * the helper, the container's init), they move into a leaf first.
 */
export function enableV2Controllers(parent: string, controllers: string[], own: string, movable: number[]): void {
  const missing = controllers.filter((controller) => !readWords(join(parent, 'cgroup.subtree_control')).includes(controller));
  if (missing.length === 0) return;
  try {
    writeControllers(parent, '+', missing);
    if (parent === own) changes.set(own, { leaf: '', added: missing, containers: 0 });
    return;
  } catch (error) {
    if (errnoOf(error) !== 'EBUSY' || parent !== own) throw enableError(parent, missing, (error as Error).message, error);
  }
  const others = procsOf(own).filter((pid) => !movable.includes(pid));
  if (others.length > 0) throw enableError(parent, missing, busyReason(parent, others));
  const leaf = moveIntoLeaf(own, procsOf(own));
  try {
    writeControllers(own, '+', missing);
  } catch (error) {
    throw enableError(parent, missing, (error as Error).message, error);
  }
  changes.set(own, { leaf, added: missing, containers: 0 });
}

/** Whether the cgroup holds no process but `pids` (so they may move into a leaf to enable controllers). */
export function ownCgroupHoldsOnly(own: string, pids: number[]): boolean {
  try {
    return procsOf(own).every((pid) => pids.includes(pid));
  } catch {
    return false;
  }
}

/** Counts a container made below `own`, so the change is undone only after the last one. */
export function holdOwnCgroupChange(own: string): void {
  const change = changes.get(own);
  if (change !== undefined) change.containers++;
}

function childFolders(dir: string): string[] {
  return readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
}

/**
 * After a container below `own` is gone: once it was the last one, disables
 * the controllers this process enabled there, moves this process back from
 * its leaf and removes the leaf. Best effort: what cannot be undone stays.
 */
export function releaseOwnCgroupChange(own: string): void {
  const change = changes.get(own);
  if (change === undefined || --change.containers > 0) return;
  changes.delete(own);
  try {
    const leafName = change.leaf === '' ? undefined : selfLeafName();
    if (childFolders(own).some((name) => name !== leafName)) return;
    writeControllers(own, '-', change.added);
    if (change.leaf === '') return;
    for (const pid of procsOf(change.leaf)) writeFileSync(join(own, 'cgroup.procs'), String(pid));
    rmdirSync(change.leaf);
  } catch {
    // Left as it is: another container or process now depends on it.
  }
}
