import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { appendProcessLog, type ProcessCgroupState } from '@ryouiki/logs';
import type { CgroupReport } from '../cgroup/cgroup.js';
import { settleContainer } from '../store/container-end.js';
import { nameProblem, releaseName, reserveName } from '../store/container-names.js';
import { containerDir, createContainerDir, exitFilePath, listContainerIds, readState, removeStoredContainer, writeState, type ContainerState, type ResourceRecord } from '../store/container-state.js';
import { RyouikiError } from '../errors.js';
import { networkFilePath } from '../helper/monitor.js';
import { processIdentity, type ProcessIdentity } from '../store/proc-identity.js';
import { ensureRuntimeDir, type StoreDirs } from '../store/runtime-dir.js';
import type { ContainerSpec } from '../spec/spec.js';
import { withLock } from '../store/state-lock.js';

/** How a foreground container ended, for its record and the seed's binding_vow log. */
export interface LaunchEnd {
  exitCode: number;
  cgroup?: CgroupReport;
}

/**
 * Where a launch records its container: the first write holds every
 * resource's record before anything is made, so that a launch killed at any
 * moment leaves a record the next command releases.
 */
export interface LaunchRecorder {
  begin(records: ResourceRecord[]): Promise<void>;
  /** The spec as the resources prepared it (the network's files bound in). */
  prepared(spec: ContainerSpec): Promise<void>;
  supervisor(identity: ProcessIdentity | undefined): Promise<void>;
  pid(pid: number): Promise<void>;
  /** The command runs (or waits at the start gate): the resources' records now. */
  running(records: ResourceRecord[]): Promise<void>;
  /** The container ended (foreground), or its launch failed: its record goes. */
  finish(end: LaunchEnd): Promise<void>;
  /** The container stays, stopped, once it has ended (a detached one without --rm), until it is removed. */
  readonly keepsEnded?: boolean;
}

function cgroupState(report: CgroupReport | undefined): ProcessCgroupState {
  if (report === undefined) return 'no-cgroup';
  return report.oomKilled ? 'oom-killed' : 'cgroup';
}

/** Records what the next command must release of containers whose owner died (their launch, or their supervisor). */
async function settleDeadOwners(dirs: StoreDirs): Promise<void> {
  for (const id of listContainerIds(dirs)) await settleContainer(dirs, id).catch(() => undefined);
}

/** The runtime folder goes with its last container, as a reboot would leave it. */
function removeEmptyRuntimeDir(dirs: StoreDirs): void {
  try {
    rmdirSync(dirs.runtime);
  } catch {
    // still in use, or gone
  }
}

/** ryouiki's own store (state.json per container, under a lock; binding_vow); see container-state.ts. */
export class StoreRecorder implements LaunchRecorder {
  private pidSeen: number | undefined;

  constructor(
    protected readonly dirs: StoreDirs,
    protected readonly state: ContainerState,
    /** A detached container has a log; a foreground one writes to our stdio. */
    private readonly withLog: boolean,
  ) {}

  get name(): string {
    return this.state.name;
  }

  get logPath(): string {
    return this.state.logPath;
  }

  get keepsEnded(): boolean {
    return !this.state.autoRemove;
  }

  async begin(records: ResourceRecord[]): Promise<void> {
    const problem = nameProblem(this.state.name);
    if (problem !== undefined) throw new RyouikiError('USAGE', `${problem}: see ryouiki start --help`);
    const hadRuntimeDir = existsSync(this.dirs.runtime);
    ensureRuntimeDir(this.dirs.runtime);
    await settleDeadOwners(this.dirs);
    this.state.resources = records;
    try {
      createContainerDir(this.dirs, this.state, this.withLog);
    } catch (error) {
      if (!hadRuntimeDir) removeEmptyRuntimeDir(this.dirs);
      throw error;
    }
    try {
      reserveName(this.dirs, this.state.name, this.state.id);
    } catch (error) {
      removeStoredContainer(this.dirs, this.state);
      removeEmptyRuntimeDir(this.dirs);
      throw error;
    }
  }

  prepared(spec: ContainerSpec): Promise<void> {
    return this.update((current) => Object.assign(current, { spec }));
  }

  supervisor(identity: ProcessIdentity | undefined): Promise<void> {
    return this.update((current) => Object.assign(current, { monitor: identity }));
  }

  async pid(pid: number): Promise<void> {
    this.pidSeen = pid;
    const identity = processIdentity(pid);
    await this.update((current) => Object.assign(current, { pid, process: identity }));
    appendProcessLog(this.dirs.data, { command: this.state.command, pid, status: 'started', time: new Date().toISOString() });
  }

  running(records: ResourceRecord[]): Promise<void> {
    return this.update((current) => {
      current.resources = records;
      if (current.status === 'created') Object.assign(current, { status: 'running', startedAt: new Date().toISOString() });
    });
  }

  async finish(end: LaunchEnd): Promise<void> {
    try {
      this.logEnd(end);
    } finally {
      // Whatever could not be logged, nothing of the container stays.
      releaseName(this.dirs, this.state.name, this.state.id);
      removeStoredContainer(this.dirs, this.state);
      removeEmptyRuntimeDir(this.dirs);
    }
  }

  /** The run's end in binding_vow, once its PID was seen. */
  protected logEnd(end: LaunchEnd): void {
    const pid = this.pidSeen;
    if (pid === undefined) return;
    const status = end.exitCode === 0 ? 'done' : 'failed';
    appendProcessLog(this.dirs.data, { command: this.state.command, pid, status, exitCode: end.exitCode, time: new Date().toISOString(), cgroup: cgroupState(end.cgroup) });
  }

  protected async update(change: (state: ContainerState) => void): Promise<void> {
    await withLock(containerDir(this.dirs, this.state.id), () => {
      const current = readState(this.dirs, this.state.id);
      if (current === undefined) return;
      change(current);
      writeState(this.dirs, current);
    });
  }
}

/**
 * A stopped container's record, started again (restart): its folder, name
 * and log stay and its last run's end goes. A restart that fails leaves it
 * stopped, with nothing held, instead of removing it.
 */
export class RestartRecorder extends StoreRecorder {
  override async begin(records: ResourceRecord[]): Promise<void> {
    const { id, name, relaunch } = this.state;
    await withLock(containerDir(this.dirs, id), () => {
      const current = readState(this.dirs, id);
      if (current === undefined) throw new RyouikiError('CONTAINER_NOT_FOUND', `no container ${name}: it was just removed`);
      if (current.status !== 'stopped') throw new RyouikiError('CONTAINER_RUNNING', `container ${name} is ${current.status}: another command started it meanwhile`);
      for (const file of [exitFilePath(this.dirs, id), networkFilePath(containerDir(this.dirs, id))]) rmSync(file, { force: true });
      const { pid: _pid, process: _process, monitor: _monitor, startedAt: _startedAt, finishedAt: _finishedAt, exitCode: _exitCode, exitReason: _exitReason, networkLostAt: _lost, ...kept } = current;
      writeState(this.dirs, { ...kept, status: 'created', resources: records, creator: processIdentity(process.pid), ...(relaunch === undefined ? {} : { relaunch }) });
    });
  }

  override async finish(end: LaunchEnd): Promise<void> {
    try {
      this.logEnd(end);
    } finally {
      await this.update((current) => Object.assign(current, { status: 'stopped', exitCode: end.exitCode, exitReason: 'aborted', finishedAt: new Date().toISOString(), resources: [] }));
    }
  }
}
