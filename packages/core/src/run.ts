import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { appendProcessLog, type ProcessStatus } from '@ryouiki/logs';
import { execa, type ResultPromise } from 'execa';
import { newContainerId } from './container-options.js';
import type { ContainerFiles } from './container-dir.js';
import { prepareContainer } from './container-setup.js';
import { RyouikiError } from './errors.js';
import { helperArgs, helperFailure, helperPath, parseHelperEvent, type HelperEvent } from './helper.js';
import { dataDir, type StoreOptions } from './paths.js';
import type { ContainerSpec } from './spec.js';
import { assertValidSpec } from './validate.js';

const INFO_FD = 3;
const BLOCK_FD = 4;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH'];

export interface RunOptions extends StoreOptions {
  /** `inherit` passes this process's stdin, stdout and stderr straight through; `pipe` (default) captures them. */
  stdio?: 'inherit' | 'pipe';
  /** What the command reads on stdin, in `pipe` mode. */
  input?: string | Uint8Array;
  /** Forward the signals this process gets to the container while it runs (the CLI does). */
  forwardSignals?: boolean;
  /** How the process log names the command; default: the arguments joined by spaces. */
  commandLabel?: string;
  /** The container's id; the hostname defaults to its short form. */
  id?: string;
  /** Where to say what the person should know (a fallback to the single-id map); default: stderr, once. */
  onWarning?: (message: string) => void;
}

export interface RunResult {
  id: string;
  /** The container's init as the host sees it: the seed's binding_vow PID. */
  pid: number;
  exitCode: number;
  /** Set when the command was killed by a signal. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

type HelperProcess = ResultPromise<{ stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] }>;

function spawnHelper(spec: ContainerSpec, options: RunOptions, files: ContainerFiles): HelperProcess {
  const inherit = options.stdio === 'inherit';
  const standard = inherit ? 'inherit' : 'pipe';
  return execa(helperPath(), helperArgs(spec, { infoFd: INFO_FD, blockFd: BLOCK_FD, files }), {
    stdio: [standard, standard, standard, 'pipe', 'pipe'],
    input: inherit ? undefined : options.input,
    env: {},
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    buffer: { fd3: false, fd4: false },
  } as never) as unknown as HelperProcess;
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

function exitStatus(exitCode: number): ProcessStatus {
  return exitCode === 0 ? 'done' : 'failed';
}

/** 128+N for a helper killed by signal N, as a shell reports it. */
function signalExitCode(signal: NodeJS.Signals | undefined, exitCode: number | undefined): number {
  if (exitCode !== undefined) return exitCode;
  const number = signal === undefined ? undefined : (constants.signals as Record<string, number>)[signal];
  return 128 + (number ?? 0);
}

/**
 * Something set up around a container between the moment its PID exists and
 * the moment its command runs (a cgroup, a network), and torn down after.
 */
export interface ContainerResource {
  /** Called with the container's host PID while the command waits; a rejection aborts the start. */
  attach(pid: number): Promise<void>;
  /** Called once the container has ended, also after a failed start; must not throw. */
  release(): Promise<void>;
}

interface StartState {
  pid?: number;
  failure?: string;
  attachError?: unknown;
  attached: ContainerResource[];
}

/** Attaches each resource in turn, then releases the command by writing one byte on the block fd. */
async function releaseContainer(pid: number, resources: ContainerResource[], block: Writable, state: StartState): Promise<void> {
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

function logProcess(store: string, command: string, pid: number, exitCode?: number): void {
  const time = new Date().toISOString();
  if (exitCode === undefined) appendProcessLog(store, { command, pid, status: 'started', time });
  else appendProcessLog(store, { command, pid, status: exitStatus(exitCode), exitCode, time });
}

/**
 * Runs a container in the foreground: starts the helper, records the process
 * in the seed's binding_vow log once its PID exists, attaches the resources,
 * releases the command, and resolves with its exit code. Rejects only when
 * the runtime itself fails, never because the command exited non-zero.
 */
export async function run(spec: ContainerSpec, options: RunOptions = {}, resources: ContainerResource[] = []): Promise<RunResult> {
  assertValidSpec(spec);
  const id = options.id ?? newContainerId();
  const setup = prepareContainer(spec, options, id);
  try {
    return await runContainer(spec, { ...options, id }, [...setup.resources, ...resources], setup.files);
  } finally {
    setup.cleanup();
  }
}

async function runContainer(spec: ContainerSpec, options: RunOptions & { id: string }, resources: ContainerResource[], files: ContainerFiles): Promise<RunResult> {
  const store = dataDir(options);
  const id = options.id;
  const command = options.commandLabel ?? spec.process.args.join(' ');
  const helper = spawnHelper(spec, options, files);
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
        released = releaseContainer(event.pid, resources, block, state);
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
    if (state.pid !== undefined) logProcess(store, command, state.pid, exitCode);
    if (state.attachError !== undefined) throw state.attachError;
    if (state.failure !== undefined) throw helperFailure(state.failure, exitCode);
    if (state.pid === undefined) throw helperFailure(`the helper exited with ${exitCode} before the container started`, 125);
    const runResult: RunResult = { id, pid: state.pid, exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
    if (result.signal !== undefined) runResult.signal = result.signal;
    return runResult;
  } finally {
    stopForwarding();
    await releaseAll(state.attached);
  }
}
