import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { constants } from 'node:os';
import { sealedBinary } from './shipped-binary.js';
import { inspectContainer, requireRunning } from '../store/container-control.js';
import { environmentObject } from '../spec/env-file.js';
import { RyouikiError } from '../errors.js';
import { execSecurity } from './exec-security.js';
import { helperFailure, parseHelperEvent, type HelperEvent } from './helper.js';
import type { StoreOptions } from '../store/paths.js';
import { storeDirs } from '../store/runtime-dir.js';
import { INFO_FD } from '../launch/fds.js';
import { FORWARDED_SIGNALS } from '../launch/forwarded-signals.js';

export interface ExecOptions extends StoreOptions {
  /** KEY=VALUE entries added to (or replacing those of) the container's environment. */
  env?: string[];
  /** Default: the container's working directory. */
  cwd?: string;
  /** UID or UID:GID inside the container. Default: the container's own user. */
  user?: string;
  /** A pseudo-terminal of the container's devpts for the program (`-t`), relayed to this process's stdio. */
  tty?: boolean;
  /** With tty: this process's stdin goes to it, its terminal in raw mode meanwhile (`-i`). */
  interactive?: boolean;
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

function execArgs(pid: number, cwd: string, security: string[], options: ExecOptions, args: string[]): string[] {
  const terminal = options.tty === true ? ['--tty', ...(options.interactive === true ? ['--interactive'] : [])] : [];
  return ['--target', String(pid), '--cwd', cwd, '--info-fd', String(INFO_FD), ...security, ...terminal, '--', ...args];
}

/** What ryouiki-exec said on its info fd: a failure, or (as the attach client) that it detached. */
export interface ClientReport {
  failure?: { message: string; code: number };
  detached: boolean;
}

export async function readReport(info: Readable): Promise<ClientReport> {
  const report: ClientReport = { detached: false };
  for await (const line of createInterface({ input: info, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line) as (HelperEvent & { detached?: boolean }) | undefined;
    if (event !== undefined && 'error' in event) report.failure = { message: event.error, code: event.code ?? 125 };
    if (event?.detached === true) report.detached = true;
  }
  return report;
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
    const { code } = await runExecClient(execArgs(pid, options.cwd ?? state.spec.process.cwd, security.args, options, args), environmentObject(env));
    return code;
  } finally {
    security.cleanup();
  }
}

/**
 * Runs ryouiki-exec with this process's stdio and its info fd on a pipe;
 * resolves with its exit code (128+N after signal N) and whether it detached
 * (as the attach client), or throws the failure it reported.
 */
export async function runExecClient(args: string[], env: Record<string, string>, forwarded = FORWARDED_SIGNALS): Promise<{ code: number; detached: boolean }> {
  const child = spawn(sealedBinary('ryouiki-exec', 'RYOUIKI_EXEC'), args, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    // The program's environment, as ryouiki-exec's own: never on its command line.
    env,
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of forwarded) process.on(signal, forward);
  try {
    const [report, [code, signal]] = await Promise.all([readReport(child.stdio[INFO_FD] as Readable), once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>]);
    if (report.failure !== undefined) throw helperFailure(report.failure.message, report.failure.code);
    if (code !== null) return { code, detached: report.detached };
    return { code: 128 + ((constants.signals as Record<string, number>)[signal ?? 'SIGKILL'] ?? 9), detached: false };
  } finally {
    for (const signal of forwarded) process.off(signal, forward);
  }
}
