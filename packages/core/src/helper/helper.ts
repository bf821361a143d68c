import { environmentObject } from '../spec/env-file.js';
import { sealedBinary } from './shipped-binary.js';
import { RyouikiError } from '../errors.js';
import { capabilityNumbers } from '../spec/capabilities.js';
import type { ContainerFiles } from '../launch/container-files.js';
import { idMapArgs } from '../spec/id-map.js';
import { hasNamespace, isBindFile, type ContainerSpec } from '../spec/spec.js';
import { terminalArgs, type TerminalOptions } from './terminal.js';
import { bundleFieldArgs } from './bundle-field-args.js';
import { mountArgs } from '../spec/volumes.js';

/** The helper's path: RYOUIKI_HELPER, else the ryouiki-init that @ryouiki/core ships. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  return sealedBinary('ryouiki-init', 'RYOUIKI_HELPER', env);
}

export interface HelperFds extends TerminalOptions {
  infoFd: number;
  blockFd: number;
  /** The container's own files: the overlay's folder, the generated /etc files. */
  files?: ContainerFiles;
}

/** RYOUIKI_OVERLAY_DRIVER=fuse-overlayfs skips the kernel's overlayfs (for kernels where it misbehaves). */
function overlayDriverArgs(env: NodeJS.ProcessEnv): string[] {
  return env.RYOUIKI_OVERLAY_DRIVER === 'fuse-overlayfs' ? ['--overlay-driver', 'fuse-overlayfs'] : [];
}

/** The command's capability flags: --privileged, or --caps with the spec's bounding set (none: the helper's default set). */
export function capabilityArgs(spec: ContainerSpec): string[] {
  if (spec.privileged === true) return ['--privileged'];
  if (spec.process.capabilities?.bounding !== undefined) return ['--caps', capabilityNumbers(spec.process.capabilities.bounding)];
  return [];
}

function isolationArgs(spec: ContainerSpec, fds: HelperFds): string[] {
  const args = idMapArgs(spec.linux);
  const overlayDir = fds.files?.overlayDir;
  if (overlayDir !== undefined) args.push('--overlay', overlayDir, '--make-mount-points', ...overlayDriverArgs(process.env));
  if (fds.files?.overlayKeepsUpper === true) args.push('--overlay-keep-upper');
  for (const lower of spec.root.lowerPaths ?? []) args.push('--overlay-lower', lower);
  const mounts = [...(fds.files?.mounts ?? []), ...(spec.mounts ?? [])];
  args.push(
    ...mountArgs(
      mounts.filter((mount) => !isBindFile(mount)),
      spec.onlyGivenMounts === true,
    ),
  );
  // Files generated for one run (the network's resolv.conf and hosts): opened by the helper before it reports the PID.
  for (const mount of mounts.filter(isBindFile)) args.push('--bind-file', mount.source ?? '', mount.destination);
  if (spec.process.user !== undefined) args.push('--user', `${spec.process.user.uid}:${spec.process.user.gid}`);
  args.push(...capabilityArgs(spec), ...bundleFieldArgs(spec));
  if (spec.linux.seccomp !== undefined) {
    // Leaving the filter out for want of its file would weaken the container without a word.
    if (fds.files?.seccompFile === undefined) throw new Error('helperArgs: a spec with linux.seccomp needs the container files (the launch pipeline makes them)');
    args.push('--seccomp', fds.files.seccompFile);
    if (fds.files.seccompCache !== undefined) args.push('--seccomp-cache', fds.files.seccompCache);
  }
  if (fds.files?.startHooksFile !== undefined) args.push('--start-hooks', fds.files.startHooksFile);
  return args;
}

/** The helper's argv for a validated spec: flags only, the command after `--`. */
export function helperArgs(spec: ContainerSpec, fds: HelperFds): string[] {
  const args = ['--rootfs', spec.root.path, '--cwd', spec.process.cwd, '--info-fd', String(fds.infoFd), '--block-fd', String(fds.blockFd)];
  if (spec.hostname !== undefined) args.push('--hostname', spec.hostname);
  if (!hasNamespace(spec, 'network')) args.push('--share-net');
  if (spec.root.readonly === true) args.push('--read-only');
  if (spec.root.readonly === true && spec.root.readonlyTmpfs === false) args.push('--no-read-only-tmpfs');
  return [...args, ...isolationArgs(spec, fds), ...terminalArgs(spec, fds), '--', ...spec.process.args];
}

/**
 * The command's environment, given to the helper as its own (which the command
 * inherits) rather than as flags, so values never show in a process list.
 */
export function helperEnvironment(spec: ContainerSpec): Record<string, string> {
  return environmentObject(spec.process.env);
}

/** What the helper reports on its info fd, one JSON object a line. */
export type HelperEvent = { pid: number } | { exec: true } | { ready: true } | { exit: number } | { warning: string } | { error: string; step?: string; errno?: number; code?: number };

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
  if (/Argument list too long|E2BIG/.test(message)) {
    return new RyouikiError(
      'ENV_TOO_LARGE',
      `${message}: the command's arguments and environment together are over the kernel's limit (ARG_MAX, a quarter of the stack limit): pass big data in a file (a volume) instead`,
      { exitCode: 125 },
    );
  }
  const idMap = /^id map: (newuidmap|newgidmap): ([^]*)$/.exec(message);
  if (idMap?.[1] === 'newuidmap') return new RyouikiError('IDMAP_FAILED', `linux.uidMappings: newuidmap refused them (${idMap[2]}): give ranges of your own in /etc/subuid`, { exitCode: 125 });
  if (idMap?.[1] === 'newgidmap') return new RyouikiError('IDMAP_FAILED', `newgidmap failed: ${idMap[2]}: check /etc/subgid, or use --userns=single`, { exitCode: 125 });
  if (exitCode === 127) return new RyouikiError('COMMAND_NOT_FOUND', message, { exitCode });
  if (exitCode === 126) return new RyouikiError('COMMAND_NOT_EXECUTABLE', message, { exitCode });
  if (/user namespace/.test(message)) return new RyouikiError('USERNS_UNAVAILABLE', message, { exitCode: 125 });
  return new RyouikiError('HELPER_FAILED', message, { exitCode: 125 });
}
