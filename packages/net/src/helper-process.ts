import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Readable, Stream, Writable } from 'node:stream';

const STDERR_LIMIT = 4096;
const STOP_GRACE_MS = 3000;

/**
 * A network helper process (slirp4netns, pasta) in a session of its own, so
 * that a terminal's Ctrl-C goes to the container and not to it, with its
 * stderr kept for error messages.
 */
export class NetworkProcess {
  readonly child: ChildProcess;
  private stderrText = '';
  private readonly exited: Promise<void>;
  private spawnError: Error | undefined;

  /**
   * `inherited` puts a stream of ours on one of its extra fds instead of a
   * new pipe; `stderrFile` takes its stderr instead of a pipe to us, for one
   * that must outlive this process (a closed pipe would kill it with SIGPIPE).
   */
  constructor(
    program: string,
    args: string[],
    extraFds: number,
    private readonly stderrFile?: string,
    inherited: Record<number, Stream> = {},
  ) {
    const extra = Array.from({ length: extraFds }, (_, index): StdioPipe | Stream => inherited[index + 3] ?? 'pipe');
    const stderrFd = stderrFile === undefined ? undefined : openSync(stderrFile, 'w', 0o600);
    try {
      const stdio: (StdioNull | StdioPipe | Stream | number)[] = ['ignore', 'ignore', stderrFd ?? 'pipe', ...extra];
      this.child = spawn(program, args, { stdio, detached: true, env: {} });
    } finally {
      if (stderrFd !== undefined) closeSync(stderrFd);
    }
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (this.stderrText.length < STDERR_LIMIT) this.stderrText += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.spawnError = error;
        resolve();
      });
      this.child.once('exit', () => resolve());
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.spawnError !== undefined || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Its stderr, as one line, for an error message. */
  get stderr(): string {
    return this.stderrOutput()
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .join('; ');
  }

  private stderrOutput(): string {
    if (this.stderrFile === undefined) return this.stderrText;
    try {
      return readFileSync(this.stderrFile, 'utf8').slice(0, STDERR_LIMIT);
    } catch {
      return '';
    }
  }

  /** Lets it run on without us: this process no longer waits for it nor holds its pipes. */
  letGo(): void {
    this.child.unref();
    for (const stream of this.child.stdio) stream?.destroy();
  }

  fd(number: number): Readable & Writable {
    return this.child.stdio[number] as Readable & Writable;
  }

  /** Resolves when it has exited (or could not start); the spawn error, if any. */
  async waitExit(): Promise<Error | undefined> {
    await this.exited;
    return this.spawnError;
  }

  /** Asks it to end (SIGTERM, or closing its exit fd first when it has one), SIGKILL after a grace period. */
  async stop(closeExitFd?: () => void): Promise<void> {
    if (this.hasExited) return;
    if (closeExitFd !== undefined) closeExitFd();
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    for (const stream of this.child.stdio) stream?.destroy();
  }
}
