import { accessSync, constants, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Which cgroup hierarchies this machine runs and where the caller sits in
 * each: cgroup v2 alone (`unified`), v1 alone (`legacy`), or both (`hybrid`:
 * v1 controllers plus a v2 tree that holds the controllers v1 does not).
 */
export type CgroupMode = 'unified' | 'legacy' | 'hybrid' | 'none';

/** The v1 controllers Ryouiki uses: limits (memory, pids, cpu), CPU time (cpuacct), kill (freezer). */
export const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'freezer'] as const;
/** The v1 controllers a container joins only for a limit of theirs (a bundle's cpuset, blockIO, hugepageLimits, network). */
export const V1_LIMIT_CONTROLLERS = ['cpuset', 'blkio', 'hugetlb', 'net_cls', 'net_prio'] as const;
const KNOWN_V1: readonly string[] = [...V1_CONTROLLERS, ...V1_LIMIT_CONTROLLERS];

export interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  /** The cgroup the mount shows at its mount point (not `/` inside a cgroup namespace's bind mount). */
  root: string;
  /** v1: the controllers bound to this hierarchy (of V1_CONTROLLERS and V1_LIMIT_CONTROLLERS); v2: empty, see CgroupHierarchy. */
  controllers: string[];
}

export interface CgroupHierarchy {
  version: 1 | 2;
  mountPoint: string;
  /** The folder of the caller's own cgroup in this hierarchy. */
  ownDir: string;
  /** v1: the controllers bound here; v2: those the caller's cgroup may hand to its children (cgroup.controllers). */
  controllers: string[];
}

export interface CgroupSystem {
  mode: CgroupMode;
  hierarchies: CgroupHierarchy[];
}

/** mountinfo escapes spaces and a few other bytes as \ooo. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The cgroup mounts of /proc/self/mountinfo, one per hierarchy (a hierarchy mounted twice counts once). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(' ');
    const [fsType, , superOptions = ''] = line.slice(separator + 3).split(' ');
    const root = unescapeMountField(before[3] ?? '/');
    const mountPoint = unescapeMountField(before[4] ?? '');
    if (fsType === 'cgroup2') {
      if (!mounts.some((mount) => mount.version === 2)) mounts.push({ version: 2, mountPoint, root, controllers: [] });
    } else if (fsType === 'cgroup') {
      const controllers = superOptions.split(',').filter((option) => KNOWN_V1.includes(option));
      const known = mounts.some((mount) => mount.version === 1 && mount.controllers.join() === controllers.join());
      if (controllers.length > 0 && !known) mounts.push({ version: 1, mountPoint, root, controllers });
    }
  }
  return mounts;
}

export interface ProcCgroups {
  /** The `0::PATH` line: the cgroup v2 path. */
  unified?: string;
  /** v1 controller name to its cgroup path. */
  legacy: Map<string, string>;
}

/** /proc/self/cgroup: `ID:CONTROLLERS:PATH` lines; `0::PATH` is cgroup v2. */
export function parseProcCgroup(text: string): ProcCgroups {
  const result: ProcCgroups = { legacy: new Map() };
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    const [, id, controllers = '', path = '/'] = match;
    if (id === '0' && controllers === '') result.unified = path;
    else for (const controller of controllers.split(',')) result.legacy.set(controller, path);
  }
  return result;
}

/** The caller's folder in a mount, or undefined when its cgroup lies outside what the mount shows. */
export function ownCgroupDir(mount: CgroupMount, path: string): string | undefined {
  const relative = posix.relative(mount.root, path);
  if (relative.startsWith('..')) return undefined;
  return join(mount.mountPoint, relative);
}

/** A v2 folder's cgroup.controllers (what it may hand to children), or another list file such as cgroup.subtree_control. */
export function readControllers(dir: string, file = 'cgroup.controllers'): string[] {
  try {
    return readFileSync(join(dir, file), 'utf8')
      .split(/\s+/)
      .filter((name) => name !== '');
  } catch {
    return [];
  }
}

function modeOf(hierarchies: CgroupHierarchy[]): CgroupMode {
  const legacy = hierarchies.some((hierarchy) => hierarchy.version === 1);
  const unified = hierarchies.some((hierarchy) => hierarchy.version === 2);
  if (legacy && unified) return 'hybrid';
  if (legacy) return 'legacy';
  return unified ? 'unified' : 'none';
}

/** Combines the mounts with the caller's cgroups into the hierarchies the caller can see itself in. */
export function cgroupHierarchies(mounts: CgroupMount[], own: ProcCgroups, readV2Controllers = (dir: string) => readControllers(dir)): CgroupHierarchy[] {
  const hierarchies: CgroupHierarchy[] = [];
  for (const mount of mounts) {
    const path = mount.version === 2 ? own.unified : own.legacy.get(mount.controllers[0] ?? '');
    const ownDir = path === undefined ? undefined : ownCgroupDir(mount, path);
    if (ownDir === undefined) continue;
    const controllers = mount.version === 2 ? readV2Controllers(ownDir) : mount.controllers;
    hierarchies.push({ version: mount.version, mountPoint: mount.mountPoint, ownDir, controllers });
  }
  return hierarchies;
}

/** Detects the machine's cgroup hierarchies and the caller's place in each. */
export function detectCgroups(): CgroupSystem {
  const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const hierarchies = cgroupHierarchies(mounts, own);
  return { mode: modeOf(hierarchies), hierarchies };
}

/** How a container gets its cgroup: `tenkai --cgroups` and `--cgroup-parent`. */
export interface CgroupOptions {
  /** false (`--cgroups=disabled`): no cgroup at all, and limits are refused. Default true. */
  enabled?: boolean;
  /** The folder below which container cgroups are made: absolute from each hierarchy's root, or relative to the caller's own cgroup (the default). */
  parent?: string;
  /**
   * A transient systemd scope of the caller's user manager for the container
   * (ryouiki-runtime --systemd-cgroup): linux.cgroupsPath in systemd's
   * `slice:prefix:name` form, or '' for a name of ryouiki's. Pure cgroup v2 only.
   */
  systemdCgroupsPath?: string;
  /** The container's folder in parent, as a bundle's linux.cgroupsPath names it; by default ryouiki-<id>-<pid>. */
  name?: string;
}

/** The folder of a hierarchy below which containers' cgroups are made. */
export function cgroupParentDir(hierarchy: CgroupHierarchy, parent: string | undefined): string {
  if (parent === undefined || parent === '') return hierarchy.ownDir;
  return posix.isAbsolute(parent) ? join(hierarchy.mountPoint, parent) : join(hierarchy.ownDir, parent);
}

/** Whether the caller may make folders in (and so delegate below) a cgroup folder. */
export function isWritableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
