import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RyouikiError } from './errors.js';
import { hasNamespace, type ContainerSpec } from './spec.js';
import { terminalArgs, type TerminalOptions } from './terminal.js';

/**
 * Where @ryouiki/core ships its helper: next to this module's dist/ folder, or,
 * when this module is bundled into another program (as the CLI is), in the
 * installed @ryouiki/core package that program depends on.
 */
function shippedHelperCandidates(): string[] {
  const candidates = [fileURLToPath(new URL('../helper/ryouiki-init', import.meta.url))];
  try {
    const packageJson = createRequire(import.meta.url).resolve('@ryouiki/core/package.json');
    candidates.push(join(dirname(packageJson), 'helper', 'ryouiki-init'));
  } catch {
    // Not installed as a package: the first candidate is the only one.
  }
  return candidates;
}

/** The helper's path: RYOUIKI_HELPER, else the ryouiki-init that @ryouiki/core ships. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.RYOUIKI_HELPER;
  const candidates = fromEnv !== undefined && fromEnv !== '' ? [fromEnv] : shippedHelperCandidates();
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new RyouikiError('HELPER_NOT_FOUND', `the helper ${candidates[0]} is missing: run make at the top of the checkout, or point RYOUIKI_HELPER at a ryouiki-init binary`);
  }
  return path;
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
