import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RyouikiError } from './errors.js';
import { hasNamespace, type ContainerSpec } from './spec.js';

/** The helper's path: RYOUIKI_HELPER, else `helper/ryouiki-init` of this checkout. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.RYOUIKI_HELPER;
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fileURLToPath(new URL('../../../helper/ryouiki-init', import.meta.url));
  if (!existsSync(path)) {
    throw new RyouikiError('HELPER_NOT_FOUND', `the helper ${path} is missing: run make at the top of the checkout, or point RYOUIKI_HELPER at ryouiki-init`);
  }
  return path;
}

export interface HelperFds {
  infoFd: number;
  blockFd: number;
}

/** The helper's argv for a validated spec: flags only, the command after `--`. */
export function helperArgs(spec: ContainerSpec, fds: HelperFds): string[] {
  const args = ['--rootfs', spec.root.path, '--cwd', spec.process.cwd, '--info-fd', String(fds.infoFd), '--block-fd', String(fds.blockFd)];
  if (spec.hostname !== undefined) args.push('--hostname', spec.hostname);
  if (!hasNamespace(spec, 'network')) args.push('--share-net');
  if (spec.root.readonly === true) args.push('--read-only');
  for (const mount of spec.mounts ?? []) {
    if (mount.type === 'bind' && mount.source !== undefined) args.push('--bind-file', mount.source, mount.destination);
  }
  for (const entry of spec.process.env) args.push('--env', entry);
  return [...args, '--', ...spec.process.args];
}

/** What the helper reports on its info fd, one JSON object a line. */
export type HelperEvent =
  | { pid: number }
  | { exec: true }
  | { exit: number }
  | { error: string; step?: string; errno?: number; code?: number };

export function parseHelperEvent(line: string): HelperEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as HelperEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** The typed error for a failure the helper reported, by its exit code. */
export function helperFailure(message: string, exitCode: number): RyouikiError {
  if (exitCode === 127) return new RyouikiError('COMMAND_NOT_FOUND', message, { exitCode });
  if (exitCode === 126) return new RyouikiError('COMMAND_NOT_EXECUTABLE', message, { exitCode });
  if (/user namespace/.test(message)) return new RyouikiError('USERNS_UNAVAILABLE', message, { exitCode: 125 });
  return new RyouikiError('HELPER_FAILED', message, { exitCode: 125 });
}
