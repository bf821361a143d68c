import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RyouikiError } from './errors.js';
import type { StoreOptions } from './paths.js';

/**
 * Where runtime files (sockets, generated files) live: `<--root>/run` when a
 * root is given, else `$XDG_RUNTIME_DIR/ryouiki`, else a 0700 folder of this
 * user's under the temporary folder.
 */
export function runtimeDir(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const root = options.root ?? env.RYOUIKI_ROOT;
  if (root !== undefined && root !== '') return join(resolve(root), 'run');
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'ryouiki');
  return join(tmpdir(), `ryouiki-${process.getuid?.() ?? 'user'}`);
}

/**
 * The runtime folder, created 0700 if missing. A folder that is not this
 * user's own (someone else's /tmp/ryouiki-UID, or a symlink) is refused:
 * generated files and sockets must not land where others can swap them.
 */
export function ensureRuntimeDir(options: StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const dir = runtimeDir(options, env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw new RyouikiError('RUNTIME_DIR_UNSAFE', `the runtime folder ${dir} is not a folder of yours: remove it, or set XDG_RUNTIME_DIR`);
  }
  return dir;
}
