import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupName, cgroupStats, folderControllers, killCgroup, removeCgroups, removeStaleCgroups, type CgroupFolder, type CgroupStats, type ContainerCgroups } from './cgroup-control.js';
import { requiredControllers, v1Writes, v2Writes, type CgroupWrite, type RequiredController } from './cgroup-limits.js';
import { cgroupParentDir, detectCgroups, isWritableDir, type CgroupHierarchy, type CgroupOptions, type CgroupSystem } from './cgroup-system.js';
import { enableV2Controllers, holdOwnCgroupChange, releaseOwnCgroupChange } from './cgroup-v2-enable.js';
import { RyouikiError } from './errors.js';
import type { ContainerSpec } from './spec.js';

const DELEGATION_HINT = 'get a delegated cgroup (systemd-run --user --scope -p Delegate=yes ..., or a cgroup folder an administrator chowns to you)';

/** One folder to make: where, what to write in it, and (v2) what to enable in its parent first. */
interface PlannedFolder extends CgroupFolder {
  parent: string;
  /** The caller's own cgroup in this hierarchy. */
  own: string;
  writes: CgroupWrite[];
  enable: string[];
}

/** What a container gets, after `attach`: which folders, whether it was OOM-killed, its last stats. */
export interface CgroupReport {
  name: string;
  folders: CgroupFolder[];
  oomKilled: boolean;
  stats: CgroupStats;
}

interface Candidate {
  hierarchy: CgroupHierarchy;
  parent: string;
  writable: boolean;
  /** v1: the hierarchy's controllers; v2: those the parent can hand to a child. */
  controllers: string[];
}

function v2Controllers(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).filter((name) => name !== '');
  } catch {
    return [];
  }
}

function candidates(system: CgroupSystem, options: CgroupOptions): Candidate[] {
  return system.hierarchies.map((hierarchy) => {
    const parent = cgroupParentDir(hierarchy, options.parent);
    const controllers = hierarchy.version === 2 ? v2Controllers(parent) : hierarchy.controllers;
    return { hierarchy, parent, writable: isWritableDir(parent), controllers };
  });
}

function describeCandidate(candidate: Candidate, controller: string): string {
  const { hierarchy, parent, writable } = candidate;
  if (hierarchy.version === 1) return `cgroup v1 ${parent} ${writable ? 'is writable but has no ' + controller : 'is not writable by you'}`;
  if (!writable) return `cgroup v2 ${parent} is not writable by you`;
  return `cgroup v2 ${parent} offers ${candidate.controllers.length > 0 ? candidate.controllers.join(' ') : 'no controller'}`;
}

function refusal(required: RequiredController, all: Candidate[]): RyouikiError {
  const relevant = all.filter((candidate) => candidate.hierarchy.version === 2 || candidate.hierarchy.controllers.includes(required.controller));
  const why = relevant.length === 0 ? 'this machine mounts no cgroup hierarchy with it' : relevant.map((candidate) => describeCandidate(candidate, required.controller)).join('; ');
  return new RyouikiError('CGROUP_UNAVAILABLE', `${required.flag} cannot be enforced: the ${required.controller} cgroup controller is not delegated to you (${why}): ${DELEGATION_HINT}, or drop ${required.flag}`);
}

function swapRefusal(required: RequiredController, candidate: Candidate): RyouikiError {
  return new RyouikiError('CGROUP_UNAVAILABLE', `${required.flag} cannot be enforced: swap accounting is off in ${candidate.parent} (boot the kernel with swapaccount=1): drop ${required.flag}`);
}

function hasSwapAccounting(candidate: Candidate): boolean {
  if (candidate.hierarchy.version === 1) return existsSync(join(candidate.parent, 'memory.memsw.limit_in_bytes'));
  return candidate.parent === candidate.hierarchy.mountPoint || existsSync(join(candidate.parent, 'memory.swap.max'));
}

/** The writable hierarchy that enforces a limit: v2 when its parent offers the controller, else v1. */
function enforcer(required: RequiredController, all: Candidate[]): Candidate {
  const usable = all.filter((candidate) => candidate.writable && candidate.controllers.includes(required.controller));
  const chosen = usable.find((candidate) => candidate.hierarchy.version === 2) ?? usable[0];
  if (chosen === undefined) throw refusal(required, all);
  if (required.swap === true && !hasSwapAccounting(chosen)) throw swapRefusal(required, chosen);
  return chosen;
}

function plannedFolder(candidate: Candidate, name: string, spec: ContainerSpec, enforced: Set<string>): PlannedFolder {
  const { version } = candidate.hierarchy;
  const resources = spec.linux.resources ?? {};
  const writes = (version === 2 ? v2Writes(resources) : v1Writes(resources)).filter((write) => enforced.has(write.controller));
  const enable = version === 2 ? [...enforced] : [];
  const controllers = version === 2 ? enable : candidate.controllers;
  return { version, dir: join(candidate.parent, name), parent: candidate.parent, own: candidate.hierarchy.ownDir, controllers, writes, enable };
}

function disabledRefusal(required: RequiredController): RyouikiError {
  return new RyouikiError('CGROUP_UNAVAILABLE', `${required.flag} needs a cgroup, and --cgroups=disabled turns them off: drop one of the two`);
}

/**
 * Decides, before anything starts, where a container's cgroup goes: a folder
 * in every hierarchy whose parent the caller can write, each limit enforced by
 * one of them. A limit no hierarchy can enforce is refused, never ignored.
 * Undefined when the container gets no cgroup (none writable, or disabled).
 */
export function planCgroup(spec: ContainerSpec, id: string, options: CgroupOptions = {}, system: CgroupSystem = detectCgroups()): ContainerCgroup | undefined {
  const required = requiredControllers(spec.linux.resources);
  if (options.enabled === false) {
    if (required[0] !== undefined) throw disabledRefusal(required[0]);
    return undefined;
  }
  const all = candidates(system, options);
  const enforcedBy = new Map<Candidate, Set<string>>();
  for (const limit of required) {
    const chosen = enforcer(limit, all);
    enforcedBy.set(chosen, (enforcedBy.get(chosen) ?? new Set()).add(limit.controller));
  }
  const writable = all.filter((candidate) => candidate.writable);
  if (options.parent !== undefined && writable.length === 0) {
    throw new RyouikiError('CGROUP_UNAVAILABLE', `--cgroup-parent ${options.parent}: no such cgroup folder that you can write (${all.map((c) => c.parent).join(', ') || 'no cgroup hierarchy mounted'}): create it in a cgroup delegated to you`);
  }
  if (writable.length === 0) return undefined;
  const name = cgroupName(id);
  return new ContainerCgroup(name, writable.map((candidate) => plannedFolder(candidate, name, spec, enforcedBy.get(candidate) ?? new Set())));
}

function cgroupError(action: string, path: string, error: unknown): RyouikiError {
  if (error instanceof RyouikiError) return error;
  return new RyouikiError('CGROUP_FAILED', `cgroup: cannot ${action} ${path}: ${(error as Error).message}`, { cause: error });
}

function attempt(action: string, path: string, work: () => void): void {
  try {
    work();
  } catch (error) {
    throw cgroupError(action, path, error);
  }
}

/** The helper: the parent of the container's init. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * A container's cgroup as a run() resource: made, limited and joined by the
 * container's init while its command waits; killed and removed after.
 */
export class ContainerCgroup {
  private readonly made: PlannedFolder[] = [];

  constructor(
    readonly name: string,
    private readonly planned: PlannedFolder[],
  ) {}

  get cgroups(): ContainerCgroups {
    return { name: this.name, folders: this.planned.map(({ version, dir, controllers }) => ({ version, dir, controllers })) };
  }

  async attach(pid: number): Promise<void> {
    removeStaleCgroups([...new Set(this.planned.map((folder) => folder.parent))]);
    try {
      const movable = [process.pid, pid, parentPid(pid) ?? pid];
      for (const folder of this.planned) this.make(folder, movable);
      for (const folder of this.planned) attempt('move the container into', folder.dir, () => writeFileSync(join(folder.dir, 'cgroup.procs'), String(pid)));
    } catch (error) {
      this.removeMade();
      throw error;
    }
  }

  private make(folder: PlannedFolder, movable: number[]): void {
    if (folder.enable.length > 0) enableV2Controllers(folder.parent, folder.enable, folder.own, movable);
    holdOwnCgroupChange(folder.own);
    this.made.push(folder);
    attempt('create', folder.dir, () => mkdirSync(folder.dir));
    for (const write of folder.writes) attempt(`set ${write.file} to ${write.value} in`, folder.dir, () => writeFileSync(join(folder.dir, write.file), write.value));
  }

  private removeMade(): void {
    for (const folder of this.made.splice(0).reverse()) {
      try {
        rmdirSync(folder.dir);
      } catch {
        // Left for removeStaleCgroups.
      }
      releaseOwnCgroupChange(folder.own);
    }
  }

  /** What the container got, read before release removes the folders (on v2, with every controller its parent gave it). */
  report(): CgroupReport {
    const folders = this.planned.map(({ version, dir, controllers }) => ({ version, dir, controllers: folderControllers(version, dir, controllers) }));
    const stats = cgroupStats({ name: this.name, folders });
    return { name: this.name, folders, oomKilled: (stats.memory?.oomKills ?? 0) > 0, stats };
  }

  /** Kills whatever is left in the cgroup (nothing, normally: the PID namespace ended with its init), then removes it. */
  async release(): Promise<void> {
    if (this.made.length === 0) return;
    try {
      await killCgroup(this.cgroups);
    } catch {
      // The folders are removed below or by the next run.
    }
    await removeCgroups(this.cgroups);
    for (const folder of this.made.splice(0)) releaseOwnCgroupChange(folder.own);
  }
}
