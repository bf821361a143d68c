import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { appendProcessLog, type ProcessCgroupState, type ProcessStatus } from '@ryouiki/logs';
import { execa, type Result, type ResultPromise } from 'execa';
import { planCgroup, type CgroupReport, type ContainerCgroup } from './cgroup.js';
import type { CgroupOptions } from './cgroup-system.js';
import { newContainerId } from './container-options.js';
import type { ContainerFiles } from './container-dir.js';
import { prepareContainer, type ContainerSetup } from './container-setup.js';
import { RyouikiError } from './errors.js';
import { helperArgs, helperEnvironment, helperFailure, helperPath, parseHelperEvent, type HelperEvent } from './helper.js';
import { dataDir, type StoreOptions } from './paths.js';
import type { ContainerSpec } from './spec.js';
import type { TerminalOptions } from './terminal.js';
import { assertValidSpec } from './validate.js';

const INFO_FD = 3;
const BLOCK_FD = 4;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH'];

export interface RunOptions extends StoreOptions, TerminalOptions {
  /** `inherit` passes this process's stdin, stdout and stderr straight through; `pipe` (default) gives them as streams. */
  stdio?: 'inherit' | 'pipe';
  /** What the command reads on stdin, in `pipe` mode: a string, bytes, or a stream. Without it, write to the returned stdin and end it. */
  input?: string | Uint8Array | Readable;
  /** Collect stdout and stderr into the result (default true); turn off when reading the streams yourself. */
  buffer?: boolean;
  /** Aborting it kills the container and everything in it; run() then rejects with code ABORTED. */
  signal?: AbortSignal;
  /** Milliseconds after which the container is killed; run() then rejects with code TIMED_OUT. */
  timeout?: number;
  /** Also reject, with code COMMAND_FAILED, when the command exits non-zero (as execa's reject). Default false. */
  rejectOnExitCode?: boolean;
  /** Forward the signals this process gets to the container while it runs (the CLI does). */
  forwardSignals?: boolean;
  /** How the process log names the command; default: the arguments joined by spaces. */
  commandLabel?: string;
  /** The container's id; the hostname defaults to its short form. */
  id?: string;
  /** Where the container's cgroup goes, or none (`enabled: false`); see planCgroup. */
  cgroups?: CgroupOptions;
  /** Where to say what the person should know (a fallback to the single-id map); default: stderr, once. */
  onWarning?: (message: string) => void;
}

export interface RunResult {
  id: string;
  /** The container's init as the host sees it: the seed's binding_vow PID. */
  pid: number;
  /** The command's exit code; 128+N when it died of signal N, as a shell reports it. */
  exitCode: number;
  /** The signal that exit code stands for, when it is above 128. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  /** The container's cgroup, its last stats and whether it was OOM-killed; absent when it had none. */
  cgroup?: CgroupReport;
}

/** A running container: a promise of its result, with its standard streams (in `pipe` mode) and a way to signal it. */
export interface ContainerRun extends Promise<RunResult> {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Sends a signal (default SIGTERM) to the command, through the helper and the container's init. */
  kill(signal?: NodeJS.Signals): void;
}

/** How long a command gets to exit after SIGTERM, on abort or timeout, before everything is killed. */
const KILL_GRACE_MS = 2000;

type HelperProcess = ResultPromise<{ stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] }>;

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

function spawnHelper(spec: ContainerSpec, options: RunOptions, files: ContainerFiles): HelperProcess {
  const inherit = options.stdio === 'inherit';
  const standard = inherit ? 'inherit' : 'pipe';
  const buffer = options.buffer ?? true;
  const helper = execa(helperPath(), helperArgs(spec, { infoFd: INFO_FD, blockFd: BLOCK_FD, files, interactive: options.interactive, consoleSocket: options.consoleSocket }), {
    stdio: [standard, standard, standard, 'pipe', 'pipe'],
    input: inherit || isReadable(options.input) ? undefined : options.input,
    env: helperEnvironment(spec),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    buffer: { stdout: buffer, stderr: buffer, fd3: false, fd4: false },
    cancelSignal: options.signal,
    timeout: options.timeout,
    forceKillAfterDelay: KILL_GRACE_MS,
  } as never) as unknown as HelperProcess;
  if (!inherit && isReadable(options.input) && helper.stdin) options.input.pipe(helper.stdin);
  return helper;
}

/** Calls back for each event the helper writes on its info fd, until it closes. */
async function readHelperEvents(info: Readable, onEvent: (event: HelperEvent) => void): Promise<void> {
  for await (const line of createInterface({ input: info, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line);
    if (event !== undefined) onEvent(event);
  }
}

function forwardSignalsTo(helper: HelperProcess): () => void {
  const forward = (signal: NodeJS.Signals): void => {
    helper.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  return () => {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  };
}

function cgroupState(report: CgroupReport | undefined): ProcessCgroupState {
  if (report === undefined) return 'no-cgroup';
  return report.oomKilled ? 'oom-killed' : 'cgroup';
}

function exitStatus(exitCode: number): ProcessStatus {
  return exitCode === 0 ? 'done' : 'failed';
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** 128+N for a helper killed by signal N, as a shell reports it. */
function signalExitCode(signal: NodeJS.Signals | undefined, exitCode: number | undefined): number {
  if (exitCode !== undefined) return exitCode;
  const number = signal === undefined ? undefined : (constants.signals as Record<string, number>)[signal];
  return 128 + (number ?? 0);
}

function signalOfExitCode(exitCode: number): NodeJS.Signals | undefined {
  return exitCode > 128 ? SIGNAL_NAMES.get(exitCode - 128) : undefined;
}

/** Why the runtime, not the command, ended the run: an abort or a timeout, if either. */
function cancellation(result: Pick<Result, 'timedOut' | 'isCanceled'>, options: RunOptions): RyouikiError | undefined {
  if (result.timedOut) return new RyouikiError('TIMED_OUT', `the container ran longer than ${options.timeout} ms and was killed`);
  if (result.isCanceled) return new RyouikiError('ABORTED', `the container was aborted: ${String(options.signal?.reason ?? 'AbortSignal')}`);
  return undefined;
}

/**
 * Something set up around a container between the moment its PID exists and
 * the moment its command runs (a cgroup, a network), and torn down after.
 */
export interface ContainerResource {
  /** Called with the container's host PID while the command waits; a rejection aborts the start. */
  attach(pid: number): Promise<void>;
  /** Called once the command runs (OCI poststart hooks); must not throw. */
  started?(): Promise<void>;
  /** Called once the container has ended, also after a failed start; must not throw. */
  release(): Promise<void>;
}

interface StartState {
  pid?: number;
  /** What the resources do once the command runs, awaited before they are released. */
  started?: Promise<unknown>;
  failure?: string;
  attachError?: unknown;
  attached: ContainerResource[];
}

/**
 * Attaches each resource in turn, then releases the command by writing one
 * byte on the block fd; on a failure, closes the fd without it, which makes
 * the helper give up. Shared by run() and start().
 */
export async function attachResources<R extends ContainerResource>(
  pid: number,
  resources: R[],
  block: Writable,
  state: { attached: R[]; attachError?: unknown },
): Promise<void> {
  try {
    for (const resource of resources) {
      await resource.attach(pid);
      state.attached.push(resource);
    }
    block.end('1');
  } catch (error) {
    state.attachError = error;
    block.end();
  }
}

async function releaseAll(resources: ContainerResource[]): Promise<void> {
  for (const resource of [...resources].reverse()) await resource.release();
}

function logProcess(store: string, command: string, pid: number, exitCode?: number, cgroup?: CgroupReport): void {
  const time = new Date().toISOString();
  if (exitCode === undefined) appendProcessLog(store, { command, pid, status: 'started', time });
  else appendProcessLog(store, { command, pid, status: exitStatus(exitCode), exitCode, time, cgroup: cgroupState(cgroup) });
}

/** Waits for the helper and its info-fd events, attaching resources when the PID arrives; decides the result. */
async function superviseRun(helper: HelperProcess, spec: ContainerSpec, options: RunOptions, id: string, resources: ContainerResource[], cgroup: ContainerCgroup | undefined, onExec: () => void): Promise<RunResult> {
  const store = dataDir(options);
  const command = options.commandLabel ?? spec.process.args.join(' ');
  const stopForwarding = options.forwardSignals === true ? forwardSignalsTo(helper) : () => undefined;
  const block = helper.stdio[BLOCK_FD] as unknown as Writable;
  block.on('error', () => undefined);
  const state: StartState = { attached: [] };
  let released: Promise<void> = Promise.resolve();
  try {
    const events = readHelperEvents(helper.stdio[INFO_FD] as Readable, (event) => {
      if ('pid' in event) {
        state.pid = event.pid;
        logProcess(store, command, event.pid);
        released = attachResources(event.pid, resources, block, state);
      } else if ('exec' in event) {
        onExec();
        state.started = released.then(() => Promise.all(state.attached.map((resource) => resource.started?.())));
      } else if ('error' in event) {
        state.failure = event.error;
      }
    });
    const [result] = await Promise.all([helper, events]);
    await released;
    if (result.failed && result.exitCode === undefined && result.signal === undefined) {
      throw new RyouikiError('HELPER_FAILED', `cannot start the helper: ${result.shortMessage}`, { cause: result });
    }
    const exitCode = signalExitCode(result.signal, result.exitCode);
    const cgroupReport = cgroup !== undefined && state.attached.includes(cgroup) ? cgroup.report() : undefined;
    if (state.pid !== undefined) logProcess(store, command, state.pid, exitCode, cgroupReport);
    const cancelled = cancellation(result, options);
    if (cancelled !== undefined) throw cancelled;
    if (state.attachError !== undefined) throw state.attachError;
    if (state.failure !== undefined) throw helperFailure(state.failure, exitCode);
    if (state.pid === undefined) throw helperFailure(`the helper exited with ${exitCode} before the container started`, 125);
    const runResult: RunResult = { id, pid: state.pid, exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
    const signal = signalOfExitCode(exitCode);
    if (signal !== undefined) runResult.signal = signal;
    if (cgroupReport !== undefined) runResult.cgroup = cgroupReport;
    if (options.rejectOnExitCode === true && exitCode !== 0) {
      throw new RyouikiError('COMMAND_FAILED', `the command exited with ${exitCode}`, { exitCode, result: runResult });
    }
    return runResult;
  } finally {
    stopForwarding();
    await state.started;
    await releaseAll(state.attached);
  }
}

/**
 * Runs a container in the foreground: starts the helper, records the process
 * in the seed's binding_vow log once its PID exists, attaches the resources,
 * releases the command, and resolves with its exit code. Like execa, the
 * returned promise also carries the streams and kill(). Rejects only when the
 * runtime itself fails (or aborts, or times out), not when the command exits
 * non-zero unless rejectOnExitCode is set.
 */
export function run(spec: ContainerSpec, options: RunOptions = {}, resources: ContainerResource[] = []): ContainerRun {
  let helper: HelperProcess | undefined;
  let result: Promise<RunResult>;
  let setup: ContainerSetup | undefined;
  try {
    assertValidSpec(spec);
    const id = options.id ?? newContainerId();
    // A limit that cannot be enforced is refused here, before anything starts.
    const cgroup = planCgroup(spec, id, options.cgroups);
    setup = prepareContainer(spec, options, id);
    helper = spawnHelper(spec, options, setup.files);
    const all = [...setup.resources, ...(cgroup === undefined ? [] : [cgroup]), ...resources];
    const cleanup = setup.cleanup;
    result = superviseRun(helper, spec, options, id, all, cgroup, setup.discardAfterStart).finally(cleanup);
  } catch (error) {
    setup?.cleanup();
    result = Promise.reject(error);
  }
  const streams = options.stdio === 'inherit' || helper === undefined;
  return Object.assign(result, {
    stdin: streams ? null : (helper?.stdin ?? null),
    stdout: streams ? null : (helper?.stdout ?? null),
    stderr: streams ? null : (helper?.stderr ?? null),
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      helper?.kill(signal);
    },
  });
}
