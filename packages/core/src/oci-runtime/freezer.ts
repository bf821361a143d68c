import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RyouikiError } from '../errors.js';
import type { OciRecord } from './store.js';

/** Where the container's freezer is: cgroup v2's cgroup.freeze, else the v1 freezer hierarchy's freezer.state. */
interface Freezer {
  file: string;
  version: 1 | 2;
}

interface RecordedFolder {
  version?: number;
  dir?: string;
  controllers?: string[];
}

function recordedFolders(record: OciRecord): RecordedFolder[] {
  return record.resources.filter((resource) => resource.kind === 'cgroup').flatMap((resource) => (Array.isArray(resource.folders) ? (resource.folders as RecordedFolder[]) : []));
}

export function containerFreezer(record: OciRecord): Freezer | undefined {
  for (const folder of recordedFolders(record)) {
    if (typeof folder.dir !== 'string') continue;
    if (folder.version === 2 && existsSync(join(folder.dir, 'cgroup.freeze'))) return { file: join(folder.dir, 'cgroup.freeze'), version: 2 };
    if (folder.version === 1 && existsSync(join(folder.dir, 'freezer.state'))) return { file: join(folder.dir, 'freezer.state'), version: 1 };
  }
  return undefined;
}

export function isFrozen(record: OciRecord): boolean {
  const freezer = containerFreezer(record);
  if (freezer === undefined) return false;
  try {
    const value = readFileSync(freezer.file, 'utf8').trim();
    return freezer.version === 2 ? value === '1' : value === 'FROZEN' || value === 'FREEZING';
  } catch {
    return false;
  }
}

/** Freezes (pause) or thaws (resume) every process of the container. */
export function setFrozen(record: OciRecord, frozen: boolean): void {
  const freezer = containerFreezer(record);
  if (freezer === undefined) {
    throw new RyouikiError('CGROUP_UNAVAILABLE', `container ${record.id} has no freezer: pause needs a cgroup v2 folder or a v1 freezer folder delegated to you (see the README's cgroups section)`);
  }
  const value = freezer.version === 2 ? (frozen ? '1' : '0') : frozen ? 'FROZEN' : 'THAWED';
  try {
    writeFileSync(freezer.file, value);
  } catch (error) {
    throw new RyouikiError('CGROUP_FAILED', `cannot write ${value} to ${freezer.file}: ${(error as Error).message}`);
  }
}
