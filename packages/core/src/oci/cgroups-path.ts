import { existsSync, mkdirSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { cgroupParentDir, detectCgroups, isWritableDir, type CgroupOptions, type CgroupSystem } from '../cgroup-system.js';
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
export function makeCgroupsPathParents(options: CgroupOptions, system: CgroupSystem = detectCgroups()): void {
  if (options.parent === undefined || options.parent === '') return;
  for (const hierarchy of system.hierarchies) {
    const parent = cgroupParentDir(hierarchy, options.parent);
    if (existsSync(parent) || !isWritableDir(existingAncestor(parent))) continue;
    try {
      mkdirSync(parent, { recursive: true });
    } catch {
      // not ours to make after all: planCgroup finds the parent unwritable
    }
  }
}

/**
 * Where a bundle's container cgroup goes: its cgroupsPath where the caller
 * may make it there (its parents made), else (rootless, a path outside what
 * is delegated, as engines give) Ryouiki's own place below the caller's
 * cgroup, with a warning.
 */
export function bundleCgroupOptions(cgroupsPath: string | undefined, warn: (message: string) => void, system: CgroupSystem = detectCgroups()): CgroupOptions {
  const options = cgroupsPathOptions(cgroupsPath);
  if (options.parent === undefined) return options;
  makeCgroupsPathParents(options, system);
  if (system.hierarchies.some((hierarchy) => isWritableDir(cgroupParentDir(hierarchy, options.parent)))) return options;
  warn(`linux.cgroupsPath ${cgroupsPath}: no hierarchy lets you make it (not delegated to you): the container's cgroup goes below your own`);
  return {};
}
