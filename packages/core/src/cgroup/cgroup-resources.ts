import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupWrite } from './cgroup-limits.js';

const CPUSET_FILES = ['cpuset.cpus', 'cpuset.mems'];

function cpusetValue(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * A new cgroup v1 cpuset folder has no CPUs and no memory nodes, and no
 * process may join it until it has: it gets its parent's, the parent its own
 * parent's first where it has none either (as runc fills them).
 */
export function ensureCpuset(dir: string): void {
  const parent = dirname(dir);
  for (const file of CPUSET_FILES) {
    if (cpusetValue(dir, file) !== '') continue;
    if (cpusetValue(parent, file) === '' && existsSync(join(dirname(parent), file))) ensureCpuset(parent);
    writeFileSync(join(dir, file), cpusetValue(parent, file));
  }
}

/** Writes one limit (never creating a file: a missing one is ENOENT), or its alternative where the kernel has no such file (a weight without BFQ). */
export function writeCgroupFile(dir: string, write: CgroupWrite): void {
  try {
    writeFileSync(join(dir, write.file), write.value, { flag: 'r+' });
  } catch (error) {
    if (write.orElse === undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    writeFileSync(join(dir, write.orElse.file), write.orElse.value, { flag: 'r+' });
  }
}
