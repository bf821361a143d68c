import { createRequire } from 'node:module';

type ChildProcessModule = typeof import('node:child_process');

/**
 * node:child_process, required when first used. Loading it (with node:net and
 * the streams) costs about as much as the rest of a ryouiki-runtime state or
 * kill: the modules that spawn (OCI hooks, id maps, systemd's bus) are on
 * that path, but seldom spawn there.
 */
export function childProcess(): ChildProcessModule {
  return createRequire(import.meta.url)('node:child_process') as ChildProcessModule;
}
