import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { RyouikiError } from '../errors.js';
import { dataDir, type StoreOptions } from './paths.js';

/**
 * Where runtime state lives: `ROOT/run` under --root or RYOUIKI_ROOT, else
 * `$XDG_RUNTIME_DIR/ryouiki`, else a private folder `/tmp/ryouiki-UID`.
 * Like XDG_RUNTIME_DIR, it is meant to be emptied by a reboot.
 */
export function runtimeDir(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const root = options.root ?? env.RYOUIKI_ROOT;
  if (root !== undefined && root !== '') return join(resolve(root), 'run');
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'ryouiki');
  return join(tmpdir(), `ryouiki-${process.getuid?.() ?? 0}`);
}

/** Both folders of a store: runtime state and persistent data. */
export interface StoreDirs {
  runtime: string;
  data: string;
}

/** A store's folders, its runtime folder checked by checkRuntimeDir: every command that reads the store opens it here. */
export function storeDirs(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): StoreDirs {
  const runtime = runtimeDir(options, env);
  checkRuntimeDir(runtime);
  return { runtime, data: dataDir(options, env) };
}

/**
 * Refuses a runtime folder that is not a private folder of this user (owned,
 * mode 0700, not a symlink): under /tmp another user may have made it first,
 * with state files naming folders of ours to delete. A missing one is fine:
 * nothing is read there, and ensureRuntimeDir makes it.
 */
export function checkRuntimeDir(dir: string): void {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new RyouikiError('STATE_DIR_UNSAFE', `the state folder ${dir} is not a private folder of yours (mode 0700): remove it, or set XDG_RUNTIME_DIR or --root`);
  }
}

/** Creates the runtime folder if needed; refuses one that another user owns or others can enter. */
export function ensureRuntimeDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkRuntimeDir(dir);
}

/** True if path lies below dir (. and .. resolved; dir itself is not below). */
export function isInsideDir(dir: string, path: string): boolean {
  const below = relative(resolve(dir), resolve(path));
  return below !== '' && !below.startsWith('..') && !isAbsolute(below);
}

/**
 * True unless a folder the record names (a network's stateDir, the container
 * files' dir) lies outside dir: a record that names anything else, planted or
 * corrupt, is never released (its folder never deleted).
 */
export function recordStaysInside(dir: string, record: Record<string, unknown>): boolean {
  return ['stateDir', 'dir'].every((field) => typeof record[field] !== 'string' || isInsideDir(dir, record[field] as string));
}
