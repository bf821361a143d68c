import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RyouikiError } from './errors.js';
import { capabilityNumbers } from './capabilities.js';
import type { ContainerFiles } from './container-dir.js';
import { needsExternalIdMaps } from './id-map.js';
import { hasNamespace, type ContainerSpec } from './spec.js';
import { mountArgs } from './volumes.js';

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
  /** The container's own files: the overlay's folder, the generated /etc files. */
  files?: ContainerFiles;
}

/** RYOUIKI_OVERLAY_DRIVER=fuse-overlayfs skips the kernel's overlayfs (for kernels where it misbehaves). */
function overlayDriverArgs(env: NodeJS.ProcessEnv): string[] {
  return env.RYOUIKI_OVERLAY_DRIVER === 'fuse-overlayfs' ? ['--overlay-driver', 'fuse-overlayfs'] : [];
}

function isolationArgs(spec: ContainerSpec, fds: HelperFds): string[] {
  const args: string[] = [];
  if (needsExternalIdMaps(spec.linux.uidMappings)) args.push('--no-idmap');
  const overlayDir = fds.files?.overlayDir;
  if (overlayDir !== undefined) args.push('--overlay', overlayDir, '--make-mount-points', ...overlayDriverArgs(process.env));
  args.push(...mountArgs([...(fds.files?.mounts ?? []), ...(spec.mounts ?? [])]));
  if (spec.process.user !== undefined) args.push('--user', `${spec.process.user.uid}:${spec.process.user.gid}`);
  if (spec.privileged === true) args.push('--privileged');
  else if (spec.process.capabilities?.bounding !== undefined) args.push('--caps', capabilityNumbers(spec.process.capabilities.bounding));
  if (spec.linux.seccomp !== undefined) {
    // Leaving the filter out for want of its file would weaken the container without a word.
    if (fds.files?.seccompFile === undefined) throw new Error('helperArgs: a spec with linux.seccomp needs the container files of prepareContainer()');
    args.push('--seccomp', fds.files.seccompFile);
  }
  return args;
}

/** The helper's argv for a validated spec: flags only, the command after `--`. */
export function helperArgs(spec: ContainerSpec, fds: HelperFds): string[] {
  const args = ['--rootfs', spec.root.path, '--cwd', spec.process.cwd, '--info-fd', String(fds.infoFd), '--block-fd', String(fds.blockFd)];
  if (spec.hostname !== undefined) args.push('--hostname', spec.hostname);
  if (!hasNamespace(spec, 'network')) args.push('--share-net');
  if (spec.root.readonly === true) args.push('--read-only');
  for (const entry of spec.process.env) args.push('--env', entry);
  return [...args, ...isolationArgs(spec, fds), '--', ...spec.process.args];
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
