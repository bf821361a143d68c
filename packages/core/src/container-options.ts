import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_NETWORK_MODE, hasPrivateNetworkNamespace, isNetworkMode, unknownNetworkModeMessage } from '@ryouiki/net';
import { readEnvFile, withDefaultPath, type EnvList } from './env-file.js';
import { isRyouikiError, problemsError, type SpecProblem } from './errors.js';
import { applyIsolation, type IsolationOptions } from './isolation-options.js';
import { DEFAULT_NAMESPACES, OCI_VERSION, type ContainerSpec } from './spec.js';
import { shellProblems, specProblems } from './validate.js';

/** What a person gives on the command line, before it becomes a spec. */
export interface ContainerOptions extends IsolationOptions {
  /** The root filesystem folder (the seed's --path). */
  path: string;
  /** The seed's --env file of KEY=VALUE lines. */
  envFile?: string;
  /** A command string, run as `/bin/sh -c STRING` inside, as in the seed. */
  command?: string;
  /** A program and its arguments, executed directly without a shell. */
  args?: string[];
  hostname?: string;
  /** `none` (default) or `host`. */
  network?: string;
  cwd?: string;
  readOnly?: boolean;
}

export interface ContainerPlan {
  id: string;
  spec: ContainerSpec;
  /** How the process log names the command: the --command string, or the program and its arguments. */
  commandLabel: string;
  /** Things to tell the person once, such as a fallback to the single-id map. */
  warnings: string[];
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

function commandProblems(options: ContainerOptions): SpecProblem[] {
  const hasArgs = options.args !== undefined && options.args.length > 0;
  if (options.command !== undefined && hasArgs) {
    return [{ path: 'process.args', code: 'USAGE', message: 'give either --command STRING or -- PROGRAM ARGS, not both' }];
  }
  if (options.command !== undefined && options.command.trim() === '') {
    return [{ path: 'process.args', code: 'COMMAND_EMPTY', message: 'the command is empty: give --command a non-empty STRING' }];
  }
  return [];
}

function processArgs(options: ContainerOptions): string[] {
  if (options.command !== undefined) return ['/bin/sh', '-c', options.command];
  return options.args ?? [];
}

function envFromFile(envFile: string | undefined, problems: SpecProblem[]): EnvList {
  if (envFile === undefined) return [];
  try {
    return readEnvFile(envFile);
  } catch (error) {
    if (!isRyouikiError(error)) throw error;
    problems.push({ path: 'process.env', code: error.code, message: error.message });
    return [];
  }
}

function networkNamespaces(network: string | undefined, problems: SpecProblem[]): ContainerSpec['linux']['namespaces'] {
  const mode = network ?? DEFAULT_NETWORK_MODE;
  if (!isNetworkMode(mode)) {
    problems.push({ path: 'linux.namespaces', code: 'NETWORK_MODE_UNKNOWN', message: unknownNetworkModeMessage(mode) });
    return DEFAULT_NAMESPACES.map((type) => ({ type }));
  }
  return DEFAULT_NAMESPACES.filter((type) => type !== 'network' || hasPrivateNetworkNamespace(mode)).map((type) => ({ type }));
}

function needsShellCheck(options: ContainerOptions, ownProblems: SpecProblem[], commandAlreadyReported: boolean): boolean {
  return options.command !== undefined && !commandAlreadyReported && !ownProblems.some((problem) => problem.path === 'root.path');
}

/**
 * Turns command-line options into a validated spec, reporting every problem
 * at once: the usage problems, the env file's, and the spec's own.
 */
export function planContainer(options: ContainerOptions): ContainerPlan {
  const problems: SpecProblem[] = commandProblems(options);
  const id = newContainerId();
  const env = envFromFile(options.envFile, problems);
  const spec: ContainerSpec = {
    ociVersion: OCI_VERSION,
    process: { args: processArgs(options), env: withDefaultPath(env), cwd: options.cwd ?? '/' },
    root: { path: resolve(options.path), readonly: options.readOnly ?? false },
    hostname: options.hostname ?? shortId(id),
    linux: { namespaces: networkNamespaces(options.network, problems) },
  };
  const warnings = applyIsolation(spec, options, problems);
  const commandAlreadyReported = problems.some((problem) => problem.path === 'process.args');
  const ownProblems = specProblems(spec).filter((problem) => !(commandAlreadyReported && problem.path === 'process.args'));
  problems.push(...ownProblems);
  if (needsShellCheck(options, ownProblems, commandAlreadyReported)) problems.push(...shellProblems(spec.root.path));
  if (problems.length > 0) throw problemsError(problems);
  const commandLabel = options.command ?? spec.process.args.join(' ');
  return { id, spec, commandLabel, warnings };
}
