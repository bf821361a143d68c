import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
