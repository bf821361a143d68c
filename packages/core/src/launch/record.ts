import { rmdirSync } from 'node:fs';
import { appendProcessLog, type ProcessCgroupState } from '@ryouiki/logs';
import type { CgroupReport } from '../cgroup.js';
import { settleContainer } from '../container-end.js';
import { nameProblem, releaseName, reserveName } from '../container-names.js';
import {
  containerDir,
  createContainerDir,
  listContainerIds,
  readState,
  removeContainerFiles,
  writeState,
  type ContainerState,
  type ResourceRecord,
} from '../container-state.js';
import { RyouikiError } from '../errors.js';
import { processIdentity, type ProcessIdentity } from '../proc-identity.js';
import { ensureRuntimeDir, type StoreDirs } from '../runtime-dir.js';
import type { ContainerSpec } from '../spec.js';
import { withLock } from '../state-lock.js';

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
    private readonly dirs: StoreDirs,
    private readonly state: ContainerState,
    /** A detached container has a log; a foreground one writes to our stdio. */
    private readonly withLog: boolean,
  ) {}

  get name(): string {
    return this.state.name;
  }

  get logPath(): string {
    return this.state.logPath;
  }

  async begin(records: ResourceRecord[]): Promise<void> {
    const problem = nameProblem(this.state.name);
    if (problem !== undefined) throw new RyouikiError('USAGE', `${problem}: see ryouiki start --help`);
    ensureRuntimeDir(this.dirs.runtime);
    await settleDeadOwners(this.dirs);
    this.state.resources = records;
    createContainerDir(this.dirs, this.state, this.withLog);
    try {
      reserveName(this.dirs, this.state.name, this.state.id);
    } catch (error) {
      removeContainerFiles(this.dirs, this.state);
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
    const pid = this.pidSeen;
    try {
      if (pid !== undefined) {
        const status = end.exitCode === 0 ? 'done' : 'failed';
        appendProcessLog(this.dirs.data, { command: this.state.command, pid, status, exitCode: end.exitCode, time: new Date().toISOString(), cgroup: cgroupState(end.cgroup) });
      }
    } finally {
      // Whatever could not be logged, nothing of the container stays.
      releaseName(this.dirs, this.state.name, this.state.id);
      removeContainerFiles(this.dirs, this.state);
      removeEmptyRuntimeDir(this.dirs);
    }
  }

  private async update(change: (state: ContainerState) => void): Promise<void> {
    await withLock(containerDir(this.dirs, this.state.id), () => {
      const current = readState(this.dirs, this.state.id);
      if (current === undefined) return;
      change(current);
      writeState(this.dirs, current);
    });
  }
}
