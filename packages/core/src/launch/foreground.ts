import { constants } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { execa, type Result, type ResultPromise } from 'execa';
import { asRuntimeError, RyouikiError } from '../errors.js';
import { helperEnvironment, helperFailure, helperPath } from '../helper/helper.js';
import { helperArgv, type HelperArgvOptions } from './argv.js';
import type { HelperStatus } from './events.js';
import { BLOCK_FD, INFO_FD } from './fds.js';
import { FORWARDED_SIGNALS } from './forwarded-signals.js';
import { endLaunch, followLaunch, launchFailure, outOfMemory, prepareLaunch, records, type Launch } from './pipeline.js';
import { cgroupOf, filesOf } from './resources.js';
import type { CgroupReport } from '../cgroup/cgroup.js';

/** How long a command gets to exit after SIGTERM, on abort or timeout, before everything is killed. */
const KILL_GRACE_MS = 2000;

export interface ForegroundOptions extends Omit<HelperArgvOptions, 'files' | 'engine'> {
  stdio?: 'inherit' | 'pipe';
  input?: string | Uint8Array | Readable;
  buffer?: boolean;
  signal?: AbortSignal;
  timeout?: number;
  rejectOnExitCode?: boolean;
  forwardSignals?: boolean;
}

export interface ForegroundResult {
  id: string;
  pid: number;
  exitCode: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  cgroup?: CgroupReport;
}

/** A running foreground container: a promise of its result, with its standard streams (in `pipe` mode) and a way to signal it. */
export interface ContainerRun extends Promise<ForegroundResult> {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Sends a signal (default SIGTERM) to the command, through the helper and the container's init. */
  kill(signal?: NodeJS.Signals): void;
}

type HelperProcess = ResultPromise<{ stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] }>;

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** 128+N for a helper killed by signal N, as a shell reports it. */
function exitCodeOf(result: { signal?: NodeJS.Signals | undefined; exitCode?: number | undefined }): number {
  if (result.exitCode !== undefined) return result.exitCode;
  const number = result.signal === undefined ? undefined : (constants.signals as Record<string, number>)[result.signal];
  return 128 + (number ?? 0);
}

/** Why the runtime, not the command, ended the run: an abort or a timeout, if either. */
function cancellation(result: Pick<Result, 'timedOut' | 'isCanceled'>, options: ForegroundOptions): RyouikiError | undefined {
  if (result.timedOut) return new RyouikiError('TIMED_OUT', `the container ran longer than ${options.timeout} ms and was killed`);
  if (result.isCanceled) return new RyouikiError('ABORTED', `the container was aborted: ${String(options.signal?.reason ?? 'AbortSignal')}`);
  return undefined;
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

/** The container's standard streams as the caller sees them from the start, joined to the helper's once it runs. */
class Streams {
  readonly stdin: PassThrough | null;
  readonly stdout: PassThrough | null;
  readonly stderr: PassThrough | null;

  constructor(pipe: boolean) {
    this.stdin = pipe ? new PassThrough() : null;
    this.stdout = pipe ? new PassThrough() : null;
    this.stderr = pipe ? new PassThrough() : null;
  }

  join(helper: HelperProcess, input: ForegroundOptions['input']): void {
    const source = isReadable(input) ? input : input === undefined ? this.stdin : null;
    if (helper.stdin !== null) source?.pipe(helper.stdin);
    if (this.stdout !== null) helper.stdout?.pipe(this.stdout);
    if (this.stderr !== null) helper.stderr?.pipe(this.stderr);
  }

  end(): void {
    for (const stream of [this.stdout, this.stderr]) if (stream !== null && !stream.writableEnded) stream.end();
  }
}

function spawnHelper(spec: Launch['spec'], argv: string[], options: ForegroundOptions): HelperProcess {
  const standard = options.stdio === 'inherit' ? 'inherit' : 'pipe';
  const buffer = options.buffer ?? true;
  const [program, ...args] = argv;
  return execa(program ?? '', args, {
    stdio: [standard, standard, standard, 'pipe', 'pipe'],
    input: standard === 'inherit' || isReadable(options.input) ? undefined : options.input,
    env: helperEnvironment(spec),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    buffer: { stdout: buffer, stderr: buffer, fd3: false, fd4: false },
    cancelSignal: options.signal,
    timeout: options.timeout,
    forceKillAfterDelay: KILL_GRACE_MS,
  } as never) as unknown as HelperProcess;
}

/** The result of a helper that ran to its end, or the error that stands for it. */
function resultOf(
  spec: Launch['spec'],
  id: string,
  status: HelperStatus,
  result: Awaited<HelperProcess>,
  exitCode: number,
  cgroup: CgroupReport | undefined,
  options: ForegroundOptions,
): ForegroundResult {
  if (result.failed && result.exitCode === undefined && result.signal === undefined) {
    // The message of the spawn itself: execa's would show the whole command line.
    throw helperFailure(`cannot start the helper ${helperPath()}: ${result.originalMessage ?? result.shortMessage}`, 125);
  }
  const cancelled = cancellation(result, options);
  if (cancelled !== undefined) throw cancelled;
  if (!status.executed && cgroup?.oomKilled === true) throw outOfMemory(spec);
  if (status.attachError !== undefined || status.failure !== undefined || status.pid === undefined) {
    throw launchFailure(
      { ...status, exitCode, failure: status.failure ?? (status.pid === undefined ? { message: `the helper exited with ${exitCode} before the container started`, code: 125 } : undefined) },
      'helper',
    );
  }
  const run: ForegroundResult = { id, pid: status.pid, exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  const signal = exitCode > 128 ? SIGNAL_NAMES.get(exitCode - 128) : undefined;
  if (signal !== undefined) run.signal = signal;
  if (cgroup !== undefined) run.cgroup = cgroup;
  if (options.rejectOnExitCode === true && exitCode !== 0) throw new RyouikiError('COMMAND_FAILED', `the command exited with ${exitCode}`, { exitCode, result: run });
  return run;
}

/** A launch and its container's id, planned (an image pulled first) while the streams already exist. */
export interface PlannedLaunch {
  id: string;
  launch: Launch;
}

/**
 * A foreground launch: no supervisor, the helper is our child, its end is the
 * container's. Records and prepares, spawns the helper, follows it to its
 * end, releases everything, and resolves with the command's exit code.
 */
export function launchForeground(planned: Promise<PlannedLaunch>, options: ForegroundOptions): ContainerRun {
  const streams = new Streams(options.stdio !== 'inherit');
  let helper: HelperProcess | undefined;
  let pendingSignal: NodeJS.Signals | undefined;
  const run = async (): Promise<ForegroundResult> => {
    const { id, launch } = await planned.catch((error: unknown) => {
      streams.end();
      throw error;
    });
    const spec = await prepareLaunch(launch);
    const cgroup = cgroupOf(launch.resources);
    const status: HelperStatus = { executed: false, ready: false };
    let stopForwarding = (): void => undefined;
    let exitCode = 125;
    let report: CgroupReport | undefined;
    let failure: unknown;
    try {
      helper = spawnHelper(spec, helperArgv(spec, { ...options, files: filesOf(launch.resources) }), options);
      streams.join(helper, options.input);
      if (pendingSignal !== undefined) helper.kill(pendingSignal);
      if (options.forwardSignals === true) stopForwarding = forwardSignalsTo(helper);
      try {
        const running = helper;
        // Recorded running once the command runs: a failure to record it ends the container.
        const onExec = (): Promise<void> =>
          launch.recorder.running(records(launch)).catch((error: unknown) => {
            status.attachError = error;
            running.kill('SIGKILL');
          });
        await followLaunch(launch, helper.stdio[INFO_FD] as Readable, helper.stdio[BLOCK_FD] as unknown as Writable, 'end', status, onExec);
      } catch (error) {
        status.attachError = error;
      }
      // Anything that fails once the helper runs ends the container with it.
      if (status.attachError !== undefined) helper.kill('SIGKILL');
      const result = await helper;
      exitCode = exitCodeOf(result);
      report = cgroup !== undefined && status.pid !== undefined ? cgroup.report() : undefined;
      return resultOf(launch.spec, id, status, result, exitCode, report, options);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      stopForwarding();
      streams.end();
      // A failure to record the end says less than the failure that ended it.
      await endLaunch(launch, status, exitCode, report === undefined ? {} : { cgroup: report }).catch((error: unknown) => {
        if (failure === undefined) throw error;
      });
    }
  };
  const result = run().catch((error: unknown) => {
    throw asRuntimeError(error);
  });
  return Object.assign(result, {
    stdin: streams.stdin,
    stdout: streams.stdout,
    stderr: streams.stderr,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (helper === undefined) pendingSignal = signal;
      else helper.kill(signal);
    },
  });
}
