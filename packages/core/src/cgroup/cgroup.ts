import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupName, cgroupStats, folderControllers, killCgroup, removeCgroups, removeStaleCgroups, type CgroupFolder, type CgroupStats, type ContainerCgroups } from './cgroup-control.js';
import { controllerName, ignoredResources, requiredControllers, v1Writes, v2Writes, type CgroupWrite, type RequiredController } from './cgroup-limits.js';
import { ensureCpuset, writeCgroupFile } from './cgroup-resources.js';
import { cgroupParentDir, detectCgroups, isWritableDir, readControllers, V1_CONTROLLERS, type CgroupHierarchy, type CgroupOptions, type CgroupSystem } from './cgroup-system.js';
import { hasUserManager, parseSystemdCgroupsPath, planScope, startScope, type SystemdScope } from './cgroup-systemd.js';
import { enableV2Controllers, holdOwnCgroupChange, ownCgroupHoldsOnly, releaseOwnCgroupChange } from './cgroup-v2-enable.js';
import { RyouikiError } from '../errors.js';
import type { ContainerSpec, LinuxResources } from '../spec/spec.js';

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

function candidates(system: CgroupSystem, options: CgroupOptions): Candidate[] {
  return system.hierarchies.map((hierarchy) => {
    const parent = cgroupParentDir(hierarchy, options.parent);
    const controllers = hierarchy.version === 2 ? readControllers(parent) : hierarchy.controllers;
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
  const relevant = all.filter((candidate) => (candidate.hierarchy.version === 2 && required.v1Only !== true) || candidate.hierarchy.controllers.includes(required.controller));
  const why = relevant.length === 0 ? 'this machine mounts no cgroup hierarchy with it' : relevant.map((candidate) => describeCandidate(candidate, required.controller)).join('; ');
  return new RyouikiError(
    'CGROUP_UNAVAILABLE',
    `${required.flag} cannot be enforced: the ${required.controller} cgroup controller is not delegated to you (${why}): ${DELEGATION_HINT}, or drop ${required.flag}`,
  );
}

function swapRefusal(required: RequiredController, candidate: Candidate): RyouikiError {
  return new RyouikiError('CGROUP_UNAVAILABLE', `${required.flag} cannot be enforced: swap accounting is off in ${candidate.parent} (boot the kernel with swapaccount=1): drop ${required.flag}`);
}

function hasSwapAccounting(candidate: Candidate): boolean {
  if (candidate.hierarchy.version === 1) return existsSync(join(candidate.parent, 'memory.memsw.limit_in_bytes'));
  return candidate.parent === candidate.hierarchy.mountPoint || existsSync(join(candidate.parent, 'memory.swap.max'));
}

function offers(candidate: Candidate, controller: string): boolean {
  return candidate.controllers.includes(controllerName(controller, candidate.hierarchy.version));
}

/** The writable hierarchy that enforces a limit: v2 when its parent offers the controller, else v1. */
function enforcer(required: RequiredController, all: Candidate[]): Candidate {
  const usable = all.filter((candidate) => candidate.writable && offers(candidate, required.controller) && (required.v1Only !== true || candidate.hierarchy.version === 1));
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

/** The controllers a container in a scope gets whether or not it has limits: for its stats. */
const SCOPE_CONTROLLERS = ['memory', 'pids', 'cpu'];

/** Whether the caller's own v2 cgroup can take the container with its limits (else, on a systemd host, a scope is asked for). */
function ownCgroupServes(own: Candidate, required: RequiredController[]): boolean {
  if (!own.writable || !required.every((limit) => own.controllers.includes(limit.controller))) return false;
  const enabled = readControllers(own.parent, 'cgroup.subtree_control');
  return required.every((limit) => enabled.includes(limit.controller)) || ownCgroupHoldsOnly(own.parent, [process.pid]);
}

function systemdRefusal(): RyouikiError {
  return new RyouikiError(
    'CGROUP_UNAVAILABLE',
    '--systemd-cgroup needs pure cgroup v2 and your systemd user manager on its D-Bus (dbus-user-session, a login or loginctl enable-linger): without them, use cgroupfs (podman --cgroup-manager cgroupfs)',
  );
}

/**
 * The transient scope a container goes in, when one is wanted: always with
 * systemdCgroupsPath; by default on a pure-v2 systemd host when the caller's
 * own cgroup cannot take the container (not writable, as a login shell's, or
 * holding other processes while a limit needs a controller enabled).
 */
function scopeFor(id: string, options: CgroupOptions, system: CgroupSystem, all: Candidate[], required: RequiredController[]): SystemdScope | undefined {
  const unified = system.mode === 'unified' ? system.hierarchies[0] : undefined;
  if (options.systemdCgroupsPath !== undefined) {
    if (unified === undefined || !hasUserManager()) throw systemdRefusal();
    const { slice, unit } = parseSystemdCgroupsPath(options.systemdCgroupsPath, id);
    return planScope(unified.mountPoint, slice, unit);
  }
  const own = all[0];
  if (unified === undefined || own === undefined || options.parent !== undefined || !hasUserManager()) return undefined;
  if (ownCgroupServes(own, required)) return undefined;
  const { slice, unit } = parseSystemdCgroupsPath('', id);
  return planScope(unified.mountPoint, slice, unit);
}

/** The container's folder inside the scope, each limit enforced there, the controllers the scope can delegate enabled for its stats. */
function planInScope(scope: SystemdScope, system: CgroupSystem, name: string, spec: ContainerSpec, required: RequiredController[], warnings: string[]): ContainerCgroup {
  const hierarchy = system.hierarchies[0]!;
  const candidate: Candidate = { hierarchy, parent: scope.managerDir, writable: true, controllers: scope.controllers };
  for (const limit of required) enforcer(limit, [candidate]);
  const enforced = new Set(required.map((limit) => controllerName(limit.controller, 2)));
  const enable = [...new Set([...enforced, ...SCOPE_CONTROLLERS.filter((controller) => scope.controllers.includes(controller))])];
  const folder = plannedFolder({ ...candidate, parent: scope.dir }, name, spec, enforced);
  return new ContainerCgroup(name, [{ ...folder, own: scope.dir, enable, controllers: enable }], scope, warnings);
}

/** The limits to enforce, and a warning for each that only cgroup v1 has when the machine runs v2 alone (runc ignores them there). */
export function withoutV1Only(resources: LinuxResources | undefined, system: CgroupSystem): { required: RequiredController[]; warnings: string[] } {
  const all = requiredControllers(resources);
  if (system.hierarchies.some((hierarchy) => hierarchy.version === 1)) return { required: all, warnings: ignoredResources(resources) };
  const ignored = all.filter((limit) => limit.v1Only === true).map((limit) => `${limit.flag}: cgroup v2 has no such setting: ignored, as runc ignores it`);
  return { required: all.filter((limit) => limit.v1Only !== true), warnings: [...ignoredResources(resources), ...ignored] };
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
  const { required, warnings } = withoutV1Only(spec.linux.resources, system);
  if (options.enabled === false) {
    if (required[0] !== undefined) throw disabledRefusal(required[0]);
    return undefined;
  }
  const all = candidates(system, options);
  const scope = scopeFor(id, options, system, all, required);
  if (scope !== undefined) return planInScope(scope, system, cgroupName(id), spec, required, warnings);
  const enforcedBy = new Map<Candidate, Set<string>>();
  for (const limit of required) {
    const chosen = enforcer(limit, all);
    enforcedBy.set(chosen, (enforcedBy.get(chosen) ?? new Set()).add(controllerName(limit.controller, chosen.hierarchy.version)));
  }
  const writable = all.filter((candidate) => candidate.writable && (isAlwaysJoined(candidate) || enforcedBy.has(candidate)));
  if (options.parent !== undefined && writable.length === 0) {
    throw new RyouikiError(
      'CGROUP_UNAVAILABLE',
      `--cgroup-parent ${options.parent}: no such cgroup folder that you can write (${all.map((c) => c.parent).join(', ') || 'no cgroup hierarchy mounted'}): create it in a cgroup delegated to you`,
    );
  }
  if (writable.length === 0) return undefined;
  const name = options.name ?? cgroupName(id);
  return new ContainerCgroup(
    name,
    writable.map((candidate) => plannedFolder(candidate, name, spec, enforcedBy.get(candidate) ?? new Set())),
    undefined,
    warnings,
  );
}

/** v2, and the v1 hierarchies of Ryouiki's own controllers, get a folder for every container; the others only for a limit of theirs. */
function isAlwaysJoined(candidate: Candidate): boolean {
  return candidate.hierarchy.version === 2 || candidate.controllers.some((controller) => (V1_CONTROLLERS as readonly string[]).includes(controller));
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
    /** The systemd scope the folders go in, started at attach. */
    private readonly scope?: SystemdScope,
    /** Limits left out, as runc leaves them out (v1 settings on cgroup v2 alone). */
    readonly warnings: string[] = [],
  ) {}

  get cgroups(): ContainerCgroups {
    return { name: this.name, folders: this.planned.map(({ version, dir, controllers }) => ({ version, dir, controllers })) };
  }

  async attach(pid: number): Promise<void> {
    const movable = [process.pid, pid, parentPid(pid) ?? pid];
    // ryouiki and the helper go in too: the scope outlives the container until they have read its stats and OOM record.
    if (this.scope !== undefined) await startScope(this.scope, movable);
    removeStaleCgroups([...new Set(this.planned.map((folder) => folder.parent))]);
    try {
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
    if (folder.version === 1 && folder.controllers.includes('cpuset')) attempt('give CPUs and memory nodes to', folder.dir, () => ensureCpuset(folder.dir));
    for (const write of folder.writes) attempt(`set ${write.file} to ${write.value} in`, folder.dir, () => writeCgroupFile(folder.dir, write));
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

/**
 * Why no container can get a cgroup here: no hierarchy has a parent folder
 * the caller can write (nothing is delegated to it). Undefined when one can.
 */
export function noCgroupReason(options: CgroupOptions = {}, system: CgroupSystem = detectCgroups()): string | undefined {
  const all = candidates(system, options);
  if (all.some((candidate) => candidate.writable)) return undefined;
  const where = all.length === 0 ? 'this machine mounts no cgroup hierarchy' : all.map((candidate) => `${candidate.parent} is not writable by you`).join('; ');
  return `no cgroup is delegated to you (${where}): ${DELEGATION_HINT}`;
}
