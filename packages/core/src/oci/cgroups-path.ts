import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { controllerName, requiredControllers } from '../cgroup/cgroup-limits.js';
import { cgroupParentDir, detectCgroups, isWritableDir, readControllers, type CgroupOptions, type CgroupSystem } from '../cgroup/cgroup-system.js';
import type { LinuxResources } from '../spec/spec.js';
import { RyouikiError } from '../errors.js';

/**
 * linux.cgroupsPath as where the container's cgroup goes, as runc reads it:
 * absolute from each hierarchy's root (root, or a folder delegated there),
 * relative below the caller's own (delegated) cgroup. Undefined: Ryouiki's
 * own folder below the caller's cgroup.
 */
export function cgroupsPathOptions(cgroupsPath: string | undefined): CgroupOptions {
  if (cgroupsPath === undefined) return {};
  const path = posix.normalize(cgroupsPath).replace(/\/$/, '');
  const name = posix.basename(path);
  if (name === '' || name === '.' || name === '..' || path.split('/').includes('..')) {
    throw new RyouikiError('OCI_CONFIG_INVALID', `config.json: linux.cgroupsPath ${JSON.stringify(cgroupsPath)} must name a folder, without '..'`);
  }
  const parent = posix.dirname(path);
  return { parent: parent === '.' ? '' : parent, name };
}

/** The nearest folder of dir that exists. */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Makes the parent folders cgroupsPath names in each hierarchy where the
 * caller may (as runc does, they stay: an engine puts its containers there).
 * Where it may not, planCgroup finds the parent unwritable.
 */
export function makeCgroupsPathParents(options: CgroupOptions, system: CgroupSystem = detectCgroups(), v2Controllers: string[] = []): void {
  if (options.parent === undefined || options.parent === '') return;
  for (const hierarchy of system.hierarchies) {
    const parent = cgroupParentDir(hierarchy, options.parent);
    if (hierarchy.version === 2 && posix.isAbsolute(options.parent)) offerDownTo(parent, hierarchy.mountPoint, v2Controllers);
    if (existsSync(parent) || !isWritableDir(existingAncestor(parent))) continue;
    try {
      mkdirSync(parent, { recursive: true });
    } catch {
      // not ours to make after all: planCgroup finds the parent unwritable
    }
  }
}

/**
 * cgroup v2 offers a controller to a folder only when every folder above it
 * enables it for its children: for an absolute path, the limits' controllers
 * are enabled from the hierarchy's root down to the parent's parent, where
 * they are offered, as runc enables them along the path. (Below the caller's
 * own cgroup, enabling there is cgroup-v2-enable.ts's, which undoes it.)
 * Best effort: where the kernel refuses (a folder that holds processes, or
 * not the caller's), planCgroup says what is missing.
 */
function offerDownTo(parent: string, start: string, controllers: string[]): void {
  if (controllers.length === 0 || !parent.startsWith(`${start}/`)) return;
  const steps = parent
    .slice(start.length + 1)
    .split('/')
    .slice(0, -1);
  let dir = start;
  for (const step of ['', ...steps]) {
    dir = step === '' ? dir : join(dir, step);
    if (step !== '' && !existsSync(dir)) mkdirIfAllowed(dir);
    const offered = readControllers(dir).filter((controller) => controllers.includes(controller));
    const enabled = readControllers(dir, 'cgroup.subtree_control');
    const missing = offered.filter((controller) => !enabled.includes(controller));
    if (missing.length === 0) continue;
    try {
      writeFileSync(join(dir, 'cgroup.subtree_control'), missing.map((controller) => `+${controller}`).join(' '));
    } catch {
      return;
    }
  }
}

function mkdirIfAllowed(dir: string): void {
  try {
    mkdirSync(dir);
  } catch {
    // planCgroup finds it missing
  }
}

/**
 * Where a bundle's container cgroup goes: its cgroupsPath where the caller
 * may make it there (its parents made), else (rootless, a path outside what
 * is delegated, as engines give) Ryouiki's own place below the caller's
 * cgroup, with a warning.
 */
export function bundleCgroupOptions(cgroupsPath: string | undefined, warn: (message: string) => void, resources?: LinuxResources, system: CgroupSystem = detectCgroups()): CgroupOptions {
  const options = cgroupsPathOptions(cgroupsPath);
  if (options.parent === undefined) return options;
  makeCgroupsPathParents(
    options,
    system,
    requiredControllers(resources).map((limit) => controllerName(limit.controller, 2)),
  );
  if (system.hierarchies.some((hierarchy) => isWritableDir(cgroupParentDir(hierarchy, options.parent)))) return options;
  warn(`linux.cgroupsPath ${cgroupsPath}: no hierarchy lets you make it (not delegated to you): the container's cgroup goes below your own`);
  return {};
}
