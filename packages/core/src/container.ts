import type { LogRecord } from '@ryouiki/logs';
import { containerStats, type CgroupStats } from './cgroup/cgroup-control.js';
import { inspectContainer, killContainer, removeContainer, stopContainer, waitContainer } from './store/container-control.js';
import { containerLog, type ContainerLogOptions } from './store/container-logs.js';
import type { ContainerState } from './store/container-state.js';
import { execInContainer, type ExecOptions } from './helper/exec.js';
import type { StoreOptions } from './store/paths.js';
import { restartContainer } from './restart.js';

/**
 * A detached container, as start() gives it: a handle on it in the store,
 * good from any process (find it again with its id or name).
 *
 *   const c = await start({ rootfs, command: ['httpd', '-f'], name: 'web' });
 *   for await (const record of c.logs()) process.stdout.write(record.content);
 *   await c.stop(); await c.remove();
 */
export class Container {
  #pid: number;

  constructor(
    readonly id: string,
    readonly name: string,
    pid: number,
    private readonly store: StoreOptions = {},
  ) {
    this.#pid = pid;
  }

  /** The container's init as the host sees it (a new one after restart()). */
  get pid(): number {
    return this.#pid;
  }

  /** Its log records (CRI format) so far; with `follow`, also what comes, until it has stopped. */
  logs(options: Omit<ContainerLogOptions, 'root'> = {}): AsyncGenerator<LogRecord> {
    return containerLog(this.id, { ...options, ...this.store });
  }

  /** Runs a program in it with this process's stdio; resolves with the program's exit code. */
  exec(args: string[], options: Omit<ExecOptions, 'root'> = {}): Promise<number> {
    return execInContainer(this.id, args, { ...options, ...this.store });
  }

  /** SIGTERM, then SIGKILL after timeoutSeconds; resolves once it is recorded stopped. */
  async stop(timeoutSeconds = 10): Promise<void> {
    await stopContainer(this.id, timeoutSeconds, this.store);
  }

  /** Stops it as stop() does, if it runs, and starts it again as it was: the same id, name, network and log. */
  async restart(timeoutSeconds = 10): Promise<void> {
    const state = await restartContainer(this.id, timeoutSeconds, this.store);
    if (state.pid !== undefined) this.#pid = state.pid;
  }

  /** Sends a signal to its command (a name such as TERM, or a number). */
  async kill(signal = 'TERM'): Promise<void> {
    await killContainer(this.id, signal, this.store);
  }

  /** Resolves once it has stopped, with its exit code (null when unknown, undefined once --rm removed it). */
  async wait(): Promise<number | null | undefined> {
    return (await waitContainer(this.id, this.store))?.exitCode;
  }

  /** Removes it once stopped; `force` stops a running one first. */
  async remove(options: { force?: boolean } = {}): Promise<void> {
    await removeContainer(this.id, options.force === true, this.store);
  }

  /** Its cgroup's figures (memory, CPU, pids), or undefined when it has no cgroup. */
  stats(): CgroupStats | undefined {
    return containerStats([this.id]).found[0]?.stats;
  }

  /** Its state.json, brought up to date. */
  inspect(): Promise<ContainerState> {
    return inspectContainer(this.id, this.store);
  }
}
