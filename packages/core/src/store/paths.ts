import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StoreOptions {
  /** Moves all of Ryouiki's files (as --root and RYOUIKI_ROOT do). */
  root?: string;
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
