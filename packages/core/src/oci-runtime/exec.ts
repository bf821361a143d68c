import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { environmentObject } from '../spec/env-file.js';
import { RyouikiError } from '../errors.js';
import { mergeEnv, readReport } from '../helper/exec.js';
import { execSecurity } from '../helper/exec-security.js';
import { helperFailure } from '../helper/helper.js';
import { sealedBinary } from '../helper/shipped-binary.js';
import { writePidFile } from './create.js';
import { ociRoot, readRecord, recordStatus, type OciStoreOptions } from './store.js';
import { isFrozen } from './freezer.js';
import { translateProcess } from '../oci/process.js';
import { OciReader } from '../oci/reader.js';
import { INFO_FD } from '../launch/fds.js';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH'];

export interface OciExecOptions extends OciStoreOptions {
  /** A runtime-spec `process` JSON file: args, env (the whole environment), cwd, user, terminal. */
  processFile?: string;
  args?: string[];
  env?: string[];
  cwd?: string;
  /** UID[:GID] in the container. */
  user?: string;
  tty?: boolean;
  /** With a terminal: where its master goes (SCM_RIGHTS); ryouiki-runtime copies no terminal. */
  consoleSocket?: string;
  detach?: boolean;
  pidFile?: string;
}

interface ExecProcess {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: string;
  terminal: boolean;
}

/** The --process file: a runtime-spec process, read as a bundle's is (oci/process.ts), env, cwd and user optional. */
function readProcessFile(path: string): ExecProcess {
  const reader = new OciReader(`--process ${path}`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RyouikiError('USAGE', `--process ${path}: cannot read it as JSON: ${(error as Error).message}`);
  }
  const spec = translateProcess(value, reader, { partial: true });
  const process: ExecProcess = { args: spec.args, terminal: spec.terminal === true };
  if (spec.env !== undefined) process.env = spec.env;
  if (spec.cwd !== undefined) process.cwd = spec.cwd;
  if (spec.user !== undefined) process.user = `${spec.user.uid}:${spec.user.gid}`;
  return process;
}

function execProcess(options: OciExecOptions): ExecProcess {
  const process = options.processFile !== undefined ? readProcessFile(options.processFile) : { args: options.args ?? [], terminal: options.tty === true };
  if (options.processFile === undefined) {
    if (options.cwd !== undefined) process.cwd = options.cwd;
    if (options.user !== undefined) process.user = options.user;
  }
  if (process.args.length === 0) throw new RyouikiError('USAGE', 'name the program to run: ryouiki-runtime exec ID PROGRAM [ARGS...]');
  if (process.terminal && options.consoleSocket === undefined) {
    throw new RyouikiError('USAGE', 'exec with a terminal needs --console-socket, where the terminal goes (ryouiki-runtime copies no terminal)');
  }
  if (!process.terminal && options.consoleSocket !== undefined) throw new RyouikiError('USAGE', '--console-socket needs a terminal: add --tty (process.terminal)');
  return process;
}

async function exitCodeOf(child: ChildProcess): Promise<number> {
  const [code, signal] = (child.exitCode !== null || child.signalCode !== null ? [child.exitCode, child.signalCode] : await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== null) return code;
  return 128 + ((constants.signals as Record<string, number>)[signal ?? 'SIGKILL'] ?? 9);
}

/**
 * OCI exec: runs a process in a running container through ryouiki-exec, with
 * the container's cgroup, user and security. Foreground: resolves with its
 * exit code. Detached: resolves once it runs, leaving ryouiki-exec (whose exit
 * code is the program's) to whoever reaps orphans, an engine's monitor.
 */
export async function ociExec(id: string, options: OciExecOptions): Promise<number> {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  const status = recordStatus(root, record, isFrozen);
  if (status !== 'running' || record.pid === undefined) throw new RyouikiError('CONTAINER_NOT_RUNNING', `container ${id} is ${status}, not running: cannot exec in it`);
  const process = execProcess(options);
  const env = options.processFile !== undefined && process.env !== undefined ? process.env : mergeEnv(record.spec.process.env, options.env ?? []);
  const security = execSecurity(record, { runtime: root, data: root }, process.user);
  const terminal = process.terminal ? ['--tty', '--console-socket', resolve(options.consoleSocket!)] : [];
  const args = [
    '--target',
    String(record.pid),
    '--cwd',
    process.cwd ?? record.spec.process.cwd,
    '--info-fd',
    String(INFO_FD),
    ...(options.detach === true ? ['--detach'] : []),
    ...terminal,
    ...security.args,
    '--',
    ...process.args,
  ];
  // With a terminal the program's stdio is the terminal; ours ends with us, as an engine reads it to its end.
  const stdio = process.terminal ? 'ignore' : 'inherit';
  const child = spawn(sealedBinary('ryouiki-exec', 'RYOUIKI_EXEC'), args, { stdio: [stdio, stdio, stdio, 'pipe'], env: environmentObject(env) });
  child.on('error', () => undefined);
  if (options.detach === true) {
    try {
      const { failure } = await readReport(child.stdio[INFO_FD] as Readable);
      if (failure !== undefined) throw helperFailure(failure.message, failure.code);
    } finally {
      security.cleanup();
    }
    if (child.pid === undefined) throw new RyouikiError('HELPER_FAILED', 'cannot start ryouiki-exec');
    if (options.pidFile !== undefined) writePidFile(options.pidFile, child.pid);
    child.unref();
    return 0;
  }
  if (options.pidFile !== undefined && child.pid !== undefined) writePidFile(options.pidFile, child.pid);
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) globalThis.process.on(signal, forward);
  try {
    const [{ failure }, code] = await Promise.all([readReport(child.stdio[INFO_FD] as Readable), exitCodeOf(child)]);
    if (failure !== undefined) throw helperFailure(failure.message, failure.code);
    return code;
  } finally {
    for (const signal of FORWARDED_SIGNALS) globalThis.process.off(signal, forward);
    security.cleanup();
  }
}
