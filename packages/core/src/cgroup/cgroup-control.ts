import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cgroupParentDir, detectCgroups, type CgroupHierarchy, type CgroupOptions, type CgroupSystem } from './cgroup-system.js';
import { ryouikiScopeDirs } from './cgroup-systemd.js';
import { isInsideDir } from '../store/runtime-dir.js';

/** One folder of a container's cgroup: one per hierarchy it was created in. */
export interface CgroupFolder {
  version: 1 | 2;
  dir: string;
  /** v1: the hierarchy's controllers; v2: the controllers enabled for the container. */
  controllers: string[];
}

/** A container's cgroup: the same name in every hierarchy the caller could write. */
export interface ContainerCgroups {
  name: string;
  folders: CgroupFolder[];
}

export interface CgroupStats {
  memory?: { currentBytes: number; peakBytes?: number; limitBytes?: number; oomKills: number };
  pids?: { current: number; limit?: number };
  cpu?: { usageUsec: number };
}

const POLL_MS = 10;
const KILL_DEADLINE_MS = 10_000;
/** v1 reports "no limit" as the largest page-aligned 64-bit value. */
const V1_UNLIMITED = 2 ** 62;

function readText(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(dir: string, file: string): number | undefined {
  const text = readText(dir, file)?.trim();
  if (text === undefined || text === '' || text === 'max') return undefined;
  const value = Number(text.split(/\s/)[0]);
  return Number.isFinite(value) ? value : undefined;
}

/** A `key value` line of a flat-keyed file (memory.events, cpu.stat, memory.oom_control). */
function readKey(dir: string, file: string, key: string): number | undefined {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(readText(dir, file) ?? '');
  return match === null ? undefined : Number(match[1]);
}

function folderWith(cgroups: ContainerCgroups, controller: string, version?: 1 | 2): CgroupFolder | undefined {
  return cgroups.folders.find((folder) => folder.controllers.includes(controller) && (version === undefined || folder.version === version));
}

function v2Folder(cgroups: ContainerCgroups): CgroupFolder | undefined {
  return cgroups.folders.find((folder) => folder.version === 2);
}

function memoryStats(cgroups: ContainerCgroups): CgroupStats['memory'] {
  const folder = folderWith(cgroups, 'memory');
  if (folder === undefined) return undefined;
  const { dir } = folder;
  if (folder.version === 2) {
    const currentBytes = readNumber(dir, 'memory.current');
    if (currentBytes === undefined) return undefined;
    return { currentBytes, peakBytes: readNumber(dir, 'memory.peak'), limitBytes: readNumber(dir, 'memory.max'), oomKills: readKey(dir, 'memory.events', 'oom_kill') ?? 0 };
  }
  const currentBytes = readNumber(dir, 'memory.usage_in_bytes');
  if (currentBytes === undefined) return undefined;
  const limit = readNumber(dir, 'memory.limit_in_bytes');
  return {
    currentBytes,
    peakBytes: readNumber(dir, 'memory.max_usage_in_bytes'),
    limitBytes: limit === undefined || limit >= V1_UNLIMITED ? undefined : limit,
    oomKills: readKey(dir, 'memory.oom_control', 'oom_kill') ?? 0,
  };
}

function pidsStats(cgroups: ContainerCgroups): CgroupStats['pids'] {
  const folder = folderWith(cgroups, 'pids');
  const current = folder === undefined ? undefined : readNumber(folder.dir, 'pids.current');
  if (folder === undefined || current === undefined) return undefined;
  return { current, limit: readNumber(folder.dir, 'pids.max') };
}

/** CPU time: v2's cpu.stat exists in every cgroup, the controller enabled or not; v1 needs cpuacct. */
function cpuStats(cgroups: ContainerCgroups): CgroupStats['cpu'] {
  const unified = v2Folder(cgroups);
  const usageUsec = unified === undefined ? undefined : readKey(unified.dir, 'cpu.stat', 'usage_usec');
  if (usageUsec !== undefined) return { usageUsec };
  const cpuacct = folderWith(cgroups, 'cpuacct', 1);
  const usageNs = cpuacct === undefined ? undefined : readNumber(cpuacct.dir, 'cpuacct.usage');
  return usageNs === undefined ? undefined : { usageUsec: Math.round(usageNs / 1000) };
}

function withoutUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Memory (current, peak, limit, OOM kills), process count and CPU time of a container's cgroup. */
export function cgroupStats(cgroups: ContainerCgroups): CgroupStats {
  return withoutUndefined({ memory: memoryStats(cgroups), pids: pidsStats(cgroups), cpu: cpuStats(cgroups) });
}

function cgroupPids(dir: string): number[] {
  return (readText(dir, 'cgroup.procs') ?? '')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

function isPopulated(folder: CgroupFolder): boolean {
  if (folder.version === 2) {
    const populated = readKey(folder.dir, 'cgroup.events', 'populated');
    if (populated !== undefined) return populated === 1;
  }
  return cgroupPids(folder.dir).length > 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, deadlineMs = KILL_DEADLINE_MS): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** v1 without cgroup.kill: freeze, so nothing can fork while we kill, then SIGKILL everything and thaw. */
async function freezeAndKill(freezer: CgroupFolder): Promise<void> {
  writeFileSync(join(freezer.dir, 'freezer.state'), 'FROZEN');
  await waitUntil(() => readText(freezer.dir, 'freezer.state')?.trim() === 'FROZEN');
  killAll(cgroupPids(freezer.dir));
  writeFileSync(join(freezer.dir, 'freezer.state'), 'THAWED');
  await waitUntil(() => !isPopulated(freezer));
}

/** Without a freezer, kill what is listed until nothing is: a forking process loses the race eventually. */
async function sweepAndKill(folder: CgroupFolder): Promise<void> {
  await waitUntil(() => {
    const pids = cgroupPids(folder.dir);
    killAll(pids);
    return pids.length === 0;
  });
}

/**
 * Kills every process in a container's cgroup, also those that left the
 * init's process tree: cgroup.kill on v2, freeze then SIGKILL on v1.
 * Resolves once the cgroup holds no process.
 */
export async function killCgroup(cgroups: ContainerCgroups): Promise<void> {
  const folders = cgroups.folders.filter((folder) => existsSync(folder.dir));
  // The usual end: the PID namespace went with its init. Nothing in an empty cgroup can fork
  // into it, so there is nothing to freeze, kill or sweep.
  if (!folders.some(isPopulated)) return;
  const unified = folders.find((folder) => folder.version === 2 && existsSync(join(folder.dir, 'cgroup.kill')));
  const freezer = folders.find((folder) => folder.version === 1 && folder.controllers.includes('freezer'));
  const any = folders[0];
  if (unified !== undefined) {
    writeFileSync(join(unified.dir, 'cgroup.kill'), '1');
    await waitUntil(() => !isPopulated(unified));
  } else if (freezer !== undefined) {
    await freezeAndKill(freezer);
  } else if (any !== undefined) {
    await sweepAndKill(any);
  }
  for (const folder of folders) if (folder !== unified) await sweepAndKill(folder);
}

function removeFolder(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Removes a container's cgroup folders, waiting out processes that are still exiting. Returns the folders left. */
export async function removeCgroups(cgroups: ContainerCgroups): Promise<string[]> {
  const left: string[] = [];
  for (const folder of cgroups.folders) {
    if (!(await waitUntil(() => removeFolder(folder.dir), 2000))) left.push(folder.dir);
  }
  return left;
}

function ownedFolder(dir: string, uid: number | undefined): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && (uid === undefined || stat.uid === uid);
  } catch {
    return false;
  }
}

/**
 * Whether a recorded folder may be killed and removed as a container's: named
 * as the record says (no `..`), in a hierarchy of its version, a folder of the
 * caller's in a folder of the caller's (a cgroup delegated to it), and neither
 * the caller's own cgroup nor above it. A damaged or planted record naming any
 * other cgroup (the user's session, another user's) is never acted upon.
 */
export function isReleasableCgroupFolder(folder: CgroupFolder, name: string, system: CgroupSystem = detectCgroups(), uid = process.getuid?.()): boolean {
  const { dir } = folder;
  if (typeof dir !== 'string' || resolve(dir) !== dir || basename(dir) !== name) return false;
  const hierarchy = system.hierarchies.find((candidate) => candidate.version === folder.version && isInsideDir(candidate.mountPoint, dir));
  if (hierarchy === undefined || dir === hierarchy.ownDir || isInsideDir(dir, hierarchy.ownDir)) return false;
  return ownedFolder(dir, uid) && ownedFolder(dirname(dir), uid);
}

/** The recorded cgroups, without the folders that are not releasable (see isReleasableCgroupFolder). */
export function releasableCgroups(cgroups: ContainerCgroups, system?: CgroupSystem): ContainerCgroups {
  const folders = Array.isArray(cgroups.folders) ? cgroups.folders : [];
  return { name: cgroups.name, folders: folders.filter((folder) => isReleasableCgroupFolder(folder, cgroups.name, system)) };
}

/** Folder names: `ryouiki-<container id>-<PID of the ryouiki process that made it>`. */
const FOLDER_NAME = /^ryouiki-([0-9a-f]{64})-(\d+)$/;
/** What a ryouiki process leaves, named after its PID: container folders, and its own leaf on cgroup v2 (cgroup-v2-enable.ts). */
const OWNED_FOLDER = /^ryouiki-(?:[0-9a-f]{64}|self)-(\d+)$/;

export function cgroupName(id: string, ownerPid = process.pid): string {
  return `ryouiki-${id}-${ownerPid}`;
}

function isAlive(pid: number): boolean {
  const stat = readText(`/proc/${pid}`, 'stat');
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/**
 * Removes what a killed ryouiki left: folders of ours whose maker is gone.
 * A folder still holding processes (a detached container) cannot be removed
 * and is left alone; the maker's PID protects a folder that is being set up.
 */
export function removeStaleCgroups(parentDirs: string[]): void {
  for (const parent of parentDirs) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = OWNED_FOLDER.exec(name);
      if (match !== null && !isAlive(Number(match[1]))) removeFolder(join(parent, name));
    }
  }
}

/** v1: the hierarchy's controllers; v2: those enabled for the folder, as its cgroup.controllers says. */
export function folderControllers(version: 1 | 2, dir: string, hierarchyControllers: string[]): string[] {
  return version === 2 ? (readText(dir, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean) : hierarchyControllers;
}

/** Where containers' folders are: the parent the options name in each hierarchy; by default also the scopes ryouiki asked systemd for. */
function containerParents(options: CgroupOptions, system: CgroupSystem): { hierarchy: CgroupHierarchy; parent: string }[] {
  const parents = system.hierarchies.map((hierarchy) => ({ hierarchy, parent: cgroupParentDir(hierarchy, options.parent) }));
  const unified = system.hierarchies[0];
  if (options.parent === undefined && system.mode === 'unified' && unified !== undefined) {
    for (const parent of ryouikiScopeDirs(unified.mountPoint)) parents.push({ hierarchy: unified, parent });
  }
  return parents;
}

/** The cgroups of the containers below the parent the options name (the caller's own cgroup by default), by container id. */
export function listContainerCgroups(options: CgroupOptions = {}, system: CgroupSystem = detectCgroups()): Map<string, ContainerCgroups> {
  const found = new Map<string, ContainerCgroups>();
  for (const { hierarchy, parent } of containerParents(options, system)) {
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const id = FOLDER_NAME.exec(name)?.[1];
      if (id === undefined) continue;
      const dir = join(parent, name);
      const cgroups = found.get(id) ?? { name, folders: [] };
      cgroups.folders.push({ version: hierarchy.version, dir, controllers: folderControllers(hierarchy.version, dir, hierarchy.controllers) });
      found.set(id, cgroups);
    }
  }
  return found;
}

/** Folders named for container `id` (its full id) in DIR or up to DEPTH levels below it. */
function foldersNamedFor(id: string, dir: string, depth: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  return names.flatMap((name) => (FOLDER_NAME.exec(name)?.[1] === id ? [join(dir, name)] : depth > 0 ? foldersNamedFor(id, join(dir, name), depth - 1) : []));
}

/**
 * The cgroup folders of container `id` wherever below the caller's own cgroup
 * it was made (--cgroup-parent included, up to three levels down): for a
 * container whose record, which would say where, is lost.
 */
export function findLostContainerCgroups(id: string, system: CgroupSystem = detectCgroups()): ContainerCgroups | undefined {
  const cgroups: ContainerCgroups = { name: '', folders: [] };
  for (const { hierarchy, parent } of containerParents({}, system)) {
    for (const dir of foldersNamedFor(id, parent, 3)) {
      cgroups.name = basename(dir);
      cgroups.folders.push({ version: hierarchy.version, dir, controllers: folderControllers(hierarchy.version, dir, hierarchy.controllers) });
    }
  }
  return cgroups.folders.length === 0 ? undefined : cgroups;
}

/** The cgroup folders of container `id` (or the one id that starts with it), made below the parent the options name. */
export function findContainerCgroups(id: string, options: CgroupOptions = {}, system: CgroupSystem = detectCgroups()): ContainerCgroups | undefined {
  const matches = [...listContainerCgroups(options, system)].filter(([full]) => full.startsWith(id));
  return matches.length === 1 ? matches[0]?.[1] : undefined;
}

export interface ContainerStats {
  id: string;
  cgroup: string;
  stats: CgroupStats;
}

/** Stats of the running containers below the parent the options name; of those whose id starts with one of `ids` when given. */
export function containerStats(ids: string[] = [], options: CgroupOptions = {}, system: CgroupSystem = detectCgroups()): { found: ContainerStats[]; unknown: string[] } {
  const all = [...listContainerCgroups(options, system)].sort(([a], [b]) => a.localeCompare(b));
  const wanted = ids.length === 0 ? all : all.filter(([id]) => ids.some((prefix) => id.startsWith(prefix)));
  const unknown = ids.filter((prefix) => !all.some(([id]) => id.startsWith(prefix)));
  return { found: wanted.map(([id, cgroups]) => ({ id, cgroup: cgroups.name, stats: cgroupStats(cgroups) })), unknown };
}
