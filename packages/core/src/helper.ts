import { shippedBinary } from './shipped-binary.js';
import { RyouikiError } from './errors.js';
import { hasNamespace, type ContainerSpec } from './spec.js';
import { terminalArgs, type TerminalOptions } from './terminal.js';

/** The helper's path: RYOUIKI_HELPER, else the ryouiki-init that @ryouiki/core ships. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  return shippedBinary('ryouiki-init', 'RYOUIKI_HELPER', env);
}

export interface HelperFds extends TerminalOptions {
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
  return [...args, ...terminalArgs(spec, fds), '--', ...spec.process.args];
}

/**
 * The command's environment, given to the helper as its own (which the command
 * inherits) rather than as flags, so values never show in a process list.
 */
export function helperEnvironment(spec: ContainerSpec): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const entry of spec.process.env) {
    const equals = entry.indexOf('=');
    environment[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return environment;
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
