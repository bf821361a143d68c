import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RyouikiError } from '../errors.js';
import { isAlive, processIdentity, type ProcessIdentity } from './proc-identity.js';

const LOCK_FILE = 'lock';
const WAIT_MS = 10;
const GIVE_UP_MS = 30000;
const ABANDONED_EMPTY_MS = 1000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readOwner(path: string): ProcessIdentity | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ProcessIdentity;
  } catch {
    return undefined;
  }
}

/**
 * A lock file without a readable owner is either being written this instant,
 * or was left by a process killed between creating and writing it: the
 * latter once it is older than any write could take.
 */
function abandonedEmpty(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ABANDONED_EMPTY_MS;
  } catch {
    return false;
  }
}

/** Takes the lock file, or returns false while a live process holds it; a dead holder's lock is broken. */
function tryLock(path: string, self: ProcessIdentity): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, JSON.stringify(self));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = readOwner(path);
  if (owner === undefined ? !abandonedEmpty(path) : isAlive(owner)) return false;
  try {
    unlinkSync(path);
  } catch {
    // someone else broke it first
  }
  return false;
}

function unlock(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // the folder was removed under the lock (rm): nothing left to unlock
  }
}

/**
 * Runs fn holding the lock of one container folder. The lock is a file made
 * with O_EXCL holding the holder's PID and start time, so a lock left by a
 * process killed while holding it is broken by the next one.
 */
export async function withLock<T>(dir: string, fn: () => Promise<T> | T): Promise<T> {
  const path = join(dir, LOCK_FILE);
  const self = processIdentity(process.pid);
  if (self === undefined) throw new RyouikiError('STATE_LOCKED', 'cannot read /proc/self/stat to take a state lock');
  const deadline = Date.now() + GIVE_UP_MS;
  while (!tryLock(path, self)) {
    if (Date.now() > deadline) throw new RyouikiError('STATE_LOCKED', `the state lock ${path} stays taken: is another ryouiki stuck? remove the file if not`);
    sleepSync(WAIT_MS);
  }
  try {
    return await fn();
  } finally {
    unlock(path);
  }
}
