import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StoreOptions {
  /** Moves all of Ryouiki's files (as --root and RYOUIKI_ROOT do). */
  root?: string;
}

/**
 * Where what can be made again is kept (the compiled seccomp filters):
 * `--root` or RYOUIKI_ROOT's `cache/`, else `${XDG_CACHE_HOME:-~/.cache}/ryouiki`.
 */
export function cacheDir(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const root = options.root ?? env.RYOUIKI_ROOT;
  if (root !== undefined && root !== '') return join(resolve(root), 'cache');
  const cacheHome = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cacheHome, 'ryouiki');
}

/**
 * Where persistent data lives: `--root`, else RYOUIKI_ROOT, else
 * `${XDG_DATA_HOME:-~/.local/share}/ryouiki`.
 */
export function dataDir(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const root = options.root ?? env.RYOUIKI_ROOT;
  if (root !== undefined && root !== '') return resolve(root);
  const dataHome = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(dataHome, 'ryouiki');
}
