import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe } from '@jest/globals';
import { detectCgroups, isWritableDir, type CgroupHierarchy } from '@ryouiki/core/internal';

/** The folders the cgroup tests need the caller to be able to write: v2, and v1 memory, pids and cpu where v1 holds them. */
const NEEDED_V1 = ['memory', 'pids', 'cpu'];

export function hierarchies(): CgroupHierarchy[] {
  return detectCgroups().hierarchies;
}

/** What is missing for the delegated tests; empty when everything is delegated. */
export function missingDelegation(): string[] {
  const all = hierarchies();
  const missing: string[] = [];
  if (!all.some((h) => h.version === 2 && isWritableDir(h.ownDir))) missing.push('a writable cgroup v2 folder');
  for (const controller of NEEDED_V1) {
    const v1 = all.find((h) => h.version === 1 && h.controllers.includes(controller));
    const v2 = all.find((h) => h.version === 2 && h.controllers.includes(controller));
    if (!(v1 !== undefined && isWritableDir(v1.ownDir)) && !(v2 !== undefined && isWritableDir(v2.ownDir))) missing.push(`the ${controller} controller`);
  }
  return missing;
}

/**
 * describe() when the precondition holds; otherwise describe.skip with the
 * reason, except under CI=true, where a test that cannot run is a failure.
 */
export function describeIf(missing: string[], what: string): typeof describe | typeof describe.skip {
  if (missing.length === 0) return describe;
  const reason = `${what}: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`cgroup tests cannot run: ${reason} (make test as root sets this up)`);
  process.stderr.write(`skipping the cgroup tests: ${reason}\n`);
  return describe.skip;
}

/** A parent cgroup of one test file's own, in every hierarchy the caller can write, named for --cgroup-parent. */
export interface TestCgroupParent {
  name: string;
  dirs: string[];
}

function words(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * On pure cgroup v2 a cgroup that holds processes (the test runner's own, a
 * leaf of its delegated scope) cannot hand controllers to children: the test
 * parent goes beside it, in the scope that enabled them for its children.
 */
function besideOwnCgroup(all: CgroupHierarchy[]): boolean {
  const [unified, ...others] = all;
  if (unified?.version !== 2 || others.length > 0) return false;
  const scope = dirname(unified.ownDir);
  const enabled = words(join(scope, 'cgroup.subtree_control'));
  return NEEDED_V1.some((c) => !words(join(unified.ownDir, 'cgroup.subtree_control')).includes(c)) && isWritableDir(scope) && NEEDED_V1.every((c) => enabled.includes(c));
}

export function makeTestCgroupParent(): TestCgroupParent {
  const all = hierarchies();
  const folder = `test-${randomBytes(4).toString('hex')}`;
  const name = besideOwnCgroup(all) ? `../${folder}` : folder;
  const dirs = all.filter((h) => isWritableDir(h.ownDir)).map((h) => join(h.ownDir, name));
  for (const dir of dirs) mkdirSync(dir);
  return { name, dirs };
}

/** Cgroup folders below the parent, in every hierarchy: what a test left behind. */
export function cgroupsBelow(parent: TestCgroupParent): string[] {
  return parent.dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((entry) => statSync(join(dir, entry)).isDirectory())
      .map((entry) => join(dir, entry)),
  );
}

export function removeTestCgroupParent(parent: TestCgroupParent): void {
  for (const dir of parent.dirs) rmdirSync(dir);
}

/** The container id in a folder name `ryouiki-<id>-<pid>`. */
export function containerIdOf(folder: string): string | undefined {
  return /ryouiki-([0-9a-f]{64})-\d+$/.exec(folder)?.[1];
}
