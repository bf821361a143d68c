import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** How long a command gets to exit after SIGTERM (ours, an abort's or a timeout's) before the helper is killed. */
const KILL_GRACE_MS = 2000;

export interface HelperSpawnOptions {
  /** The container's standard streams: the caller's, or pipes of ours. */
  stdio: 'inherit' | 'pipe';
  /** Written to the helper's stdin, which is then closed (pipe mode only). */
  input?: string | Uint8Array;
  env: Record<string, string>;
  /** Keep what the helper writes to stdout and stderr (pipe mode), besides passing it on. */
  buffer: boolean;
  signal?: AbortSignal;
  timeout?: number;
}

/** How the helper ended. */
export interface HelperEnd {
  exitCode?: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  isCanceled: boolean;
  /** Why it could not be started at all. */
  spawnError?: Error;
}

/** The helper as our child: its streams, fds 3 and 4 (see fds.ts), a kill, and its end. */
export interface HelperProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  stdio: ChildProcess['stdio'];
  kill(signal: NodeJS.Signals): void;
  ended: Promise<HelperEnd>;
}

function collect(stream: Readable | null, keep: boolean): () => string {
  const chunks: Buffer[] = [];
  if (keep) stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

/**
 * Spawns the helper with plain child_process: run() and tenkai start it once
 * a container, and execa's own set-up (its stdio handling, signal handlers,
 * stream waits) cost more than the spawn. A SIGTERM, ours or a timeout's or
 * an abort's, is followed by SIGKILL if the helper outlives the grace time.
 */
export function spawnHelperProcess(program: string, args: string[], options: HelperSpawnOptions): HelperProcess {
  const standard = options.stdio;
  const child = spawn(program, args, { stdio: [standard, standard, standard, 'pipe', 'pipe'], env: options.env });
  const stdout = collect(child.stdout, options.buffer);
  const stderr = collect(child.stderr, options.buffer);
  let timedOut = false;
  let isCanceled = false;
  let spawnError: Error | undefined;
  const timers: NodeJS.Timeout[] = [];
  let exited = false;

  const kill = (signal: NodeJS.Signals): void => {
    if (exited) return;
    child.kill(signal);
    if (signal === 'SIGTERM') timers.push(setTimeout(() => !exited && child.kill('SIGKILL'), KILL_GRACE_MS));
  };
  const abort = (): void => {
    isCanceled = true;
    kill('SIGTERM');
  };
  if (options.timeout !== undefined && options.timeout > 0) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
      }, options.timeout),
    );
  }
  if (options.signal?.aborted === true) abort();
  else options.signal?.addEventListener('abort', abort, { once: true });
  // A helper that ends before it read its input closes the pipe: not our failure.
  child.stdin?.on('error', () => undefined);
  if (child.stdin !== null && options.input !== undefined) child.stdin.end(options.input);

  const ended = new Promise<HelperEnd>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('exit', () => {
      exited = true;
    });
    child.on('close', (code, signal) => {
      exited = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      const end: HelperEnd = { stdout: stdout(), stderr: stderr(), timedOut, isCanceled };
      if (spawnError !== undefined) end.spawnError = spawnError;
      else if (signal !== null) end.signal = signal;
      else if (code !== null) end.exitCode = code;
      resolve(end);
    });
  });
  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, stdio: child.stdio, kill, ended };
}
