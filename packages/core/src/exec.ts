import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { constants } from 'node:os';
import { shippedBinary } from './shipped-binary.js';
import { inspectContainer, requireRunning } from './container-control.js';
import { environmentObject } from './env-file.js';
import { RyouikiError } from './errors.js';
import { execSecurity } from './exec-security.js';
import { helperFailure, parseHelperEvent } from './helper.js';
import type { StoreOptions } from './paths.js';
import { storeDirs } from './runtime-dir.js';

const INFO_FD = 3;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH'];

export interface ExecOptions extends StoreOptions {
  /** KEY=VALUE entries added to (or replacing those of) the container's environment. */
  env?: string[];
  /** Default: the container's working directory. */
  cwd?: string;
  /** UID or UID:GID inside the container. Default: the container's own user. */
  user?: string;
}

/** The container's environment with the given entries laid over it, a later KEY replacing an earlier one. */
export function mergeEnv(base: string[], extra: string[]): string[] {
  const merged = new Map<string, string>();
  for (const entry of [...base, ...extra]) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new RyouikiError('USAGE', `--env takes KEY=VALUE, got ${JSON.stringify(entry)}`);
    merged.set(entry.slice(0, equals), entry);
  }
  return [...merged.values()];
}

function execArgs(pid: number, cwd: string, security: string[], args: string[]): string[] {
  return ['--target', String(pid), '--cwd', cwd, '--info-fd', String(INFO_FD), ...security, '--', ...args];
}

/** ryouiki-exec's failure from its info fd, read to its end; undefined when it reported none. */
export async function readFailure(info: Readable): Promise<{ message: string; code: number } | undefined> {
  let failure: { message: string; code: number } | undefined;
  for await (const line of createInterface({ input: info, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line);
    if (event !== undefined && 'error' in event) failure = { message: event.error, code: event.code ?? 125 };
  }
  return failure;
}

/**
 * Runs a program inside a running container with this process's stdin,
 * stdout and stderr, in all its namespaces; resolves with the program's exit
 * code (128+N after signal N). The program gets the container's cgroup, user,
 * capabilities, no_new_privs and seccomp filter, as its command did.
 */
export async function execInContainer(query: string, args: string[], options: ExecOptions = {}): Promise<number> {
  if (args.length === 0) throw new RyouikiError('USAGE', 'name the program to run: ryouiki exec ID -- PROGRAM ARGS');
  const state = await inspectContainer(query, options);
  const pid = requireRunning(state, query);
  const env = mergeEnv(state.spec.process.env, options.env ?? []);
  const security = execSecurity(state, storeDirs(options), options.user);
  try {
    return await runExec(execArgs(pid, options.cwd ?? state.spec.process.cwd, security.args, args), env);
  } finally {
    security.cleanup();
  }
}

async function runExec(args: string[], env: string[]): Promise<number> {
  const child = spawn(shippedBinary('ryouiki-exec', 'RYOUIKI_EXEC'), args, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    // The program's environment, as ryouiki-exec's own: never on its command line.
    env: environmentObject(env),
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const [failure, [code, signal]] = await Promise.all([readFailure(child.stdio[INFO_FD] as Readable), once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>]);
    if (failure !== undefined) throw helperFailure(failure.message, failure.code);
    if (code !== null) return code;
    return 128 + ((constants.signals as Record<string, number>)[signal ?? 'SIGKILL'] ?? 9);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}
