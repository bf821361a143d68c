import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { assertRequestConsistent, hasPrivateNetworkNamespace, isNetError, parseAddHost, parseDns, parseNetwork, parsePortMappings, type NetworkRequest } from '@ryouiki/net';
import { resourcesFromFlags, type LimitFlags } from '../cgroup/cgroup-limits.js';
import { readEnvFile, withDefaultPath, type EnvList } from './env-file.js';
import { isRyouikiError, problemsError, type SpecProblem } from '../errors.js';
import { applyIsolation, type IsolationOptions } from './isolation-options.js';
import type { OciHooks } from '../oci/config.js';
import { DEFAULT_NAMESPACES, OCI_VERSION, type ContainerSpec } from './spec.js';
import { shellProblems, specProblems } from './validate.js';
import { imageArgs, imageEnv, imageRoot, type ResolvedImage } from '../images/plan-image.js';

/** What a person gives on the command line, before it becomes a spec. */
export interface ContainerOptions extends IsolationOptions {
  /** The root filesystem folder (the seed's --path); with image, unused. */
  path: string;
  /** An image to run instead of a folder: its layers under an overlay, its config's defaults (see resolveImage). */
  image?: ResolvedImage;
  /** With image: replaces its Entrypoint (an empty list clears it). */
  entrypoint?: string[];
  /** The seed's --env file of KEY=VALUE lines. */
  envFile?: string;
  /** A command string, run as `/bin/sh -c STRING` inside, as in the seed. */
  command?: string;
  /** A program and its arguments, executed directly without a shell. */
  args?: string[];
  hostname?: string;
  /** `slirp4netns[:OPTIONS]` (default), `pasta`, `none` or `host`. */
  network?: string;
  /** -p/--publish specs: `[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]`. */
  publish?: string[];
  /** --dns nameserver addresses. */
  dns?: string[];
  /** --add-host `NAME:IP` entries. */
  addHosts?: string[];
  cwd?: string;
  readOnly?: boolean;
  /** Resource limits (--memory, --pids-limit, ...), enforced through the container's cgroup. */
  limits?: LimitFlags;
  /** Give the command a pseudo-terminal (`-t`): OCI's process.terminal. */
  tty?: boolean;
  /** `KEY=VALUE` entries, after the env file's. */
  env?: string[];
}

export interface ContainerPlan {
  id: string;
  spec: ContainerSpec;
  /** How the process log names the command: the --command string, or the program and its arguments. */
  commandLabel: string;
  /** The network run() and start() set up around the container; none: only what the spec's namespaces give. */
  network?: NetworkRequest;
  /** A bundle's hooks, run as the runtime-spec's lifecycle asks. */
  hooks?: PlanHooks;
  /** A unique name for the container (default: its short id). */
  name?: string;
  /** Things to tell the person once, such as a fallback to the single-id map. */
  warnings: string[];
}

/** A bundle's hooks, with what their state tells them of it. */
export interface PlanHooks {
  hooks: OciHooks;
  context: { bundle: string; annotations: Record<string, string>; ociVersion: string };
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
  if (options.image !== undefined) return imageArgs(options.image, options.entrypoint, options.args ?? []);
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

/** Runs one network parser, turning its error into a problem; undefined when it failed. */
function netProblem<T>(parse: () => T, problems: SpecProblem[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isNetError(error)) throw error;
    problems.push({ path: 'linux.namespaces', code: error.code, message: error.message });
    return undefined;
  }
}

/** The network a container asks for, every problem with it in problems. */
export function networkRequest(options: Pick<ContainerOptions, 'network' | 'publish' | 'dns' | 'addHosts'>, hostname: string, problems: SpecProblem[]): NetworkRequest {
  const config = netProblem(() => parseNetwork(options.network), problems) ?? parseNetwork('none');
  const request: NetworkRequest = {
    config,
    publish: netProblem(() => parsePortMappings(options.publish ?? []), problems) ?? [],
    dns: netProblem(() => parseDns(options.dns ?? []), problems) ?? [],
    addHosts: netProblem(() => (options.addHosts ?? []).map(parseAddHost), problems) ?? [],
    hostname,
  };
  netProblem(() => assertRequestConsistent(request), problems);
  return request;
}

function networkNamespaces(request: NetworkRequest): ContainerSpec['linux']['namespaces'] {
  return DEFAULT_NAMESPACES.filter((type) => type !== 'network' || hasPrivateNetworkNamespace(request.config.mode)).map((type) => ({ type }));
}

function needsShellCheck(options: ContainerOptions, ownProblems: SpecProblem[], commandAlreadyReported: boolean): boolean {
  // an image's /bin/sh may sit in any of its layers: the helper says so if there is none
  return options.command !== undefined && options.image === undefined && !commandAlreadyReported && !ownProblems.some((problem) => problem.path === 'root.path');
}

/**
 * Turns command-line options into a validated spec, reporting every problem
 * at once: the usage problems, the env file's, and the spec's own.
 */
export function planContainer(given: ContainerOptions): ContainerPlan & { network: NetworkRequest } {
  const image = given.image;
  const options: ContainerOptions = image === undefined ? given : { ...given, user: given.user ?? image.defaults.user, cwd: given.cwd ?? image.defaults.workingDir, overlay: true };
  const problems: SpecProblem[] = commandProblems(options);
  const id = newContainerId();
  const env = [...imageEnv(image, envFromFile(options.envFile, problems)), ...(options.env ?? [])];
  const limits = resourcesFromFlags(options.limits ?? {});
  problems.push(...limits.problems);
  const hostname = options.hostname ?? shortId(id);
  const network = networkRequest(options, hostname, problems);
  const spec: ContainerSpec = {
    ociVersion: OCI_VERSION,
    process: { args: processArgs(options), env: withDefaultPath(env), cwd: options.cwd ?? '/', terminal: options.tty ?? false },
    root: image === undefined ? { path: resolve(options.path), readonly: options.readOnly ?? false } : imageRoot(image, options.readOnly ?? false),
    hostname,
    linux: { namespaces: networkNamespaces(network) },
  };
  if (limits.resources !== undefined) spec.linux.resources = limits.resources;
  const warnings = applyIsolation(spec, options, problems);
  const commandAlreadyReported = problems.some((problem) => problem.path === 'process.args');
  const ownProblems = specProblems(spec).filter((problem) => !(commandAlreadyReported && problem.path === 'process.args'));
  problems.push(...ownProblems);
  if (needsShellCheck(options, ownProblems, commandAlreadyReported)) problems.push(...shellProblems(spec.root.path));
  if (problems.length > 0) throw problemsError(problems);
  const commandLabel = options.command ?? spec.process.args.join(' ');
  return { id, spec, commandLabel, network, warnings };
}
