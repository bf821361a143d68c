import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namesDir, readState } from './container-state.js';
import { RyouikiError } from '../errors.js';
import type { StoreDirs } from './runtime-dir.js';

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function nameProblem(name: string): string | undefined {
  return NAME_PATTERN.test(name) ? undefined : `the name ${JSON.stringify(name)} is not valid: use letters, digits, _ . and -, starting with a letter or digit`;
}

function namePath(dirs: StoreDirs, name: string): string {
  return join(namesDir(dirs), name);
}

export function nameOwner(dirs: StoreDirs, name: string): string | undefined {
  try {
    return readFileSync(namePath(dirs, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Takes a name for a container: a file made with O_EXCL, so of two starts
 * with the same name at the same moment exactly one gets it. A name whose
 * container is gone (its start was killed) is taken back.
 */
export function reserveName(dirs: StoreDirs, name: string, id: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      mkdirSync(namesDir(dirs), { recursive: true, mode: 0o700 });
      writeFileSync(namePath(dirs, name), id, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      // ENOENT: an rm removed the emptied names folder meanwhile
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = nameOwner(dirs, name);
    if (owner !== undefined && owner !== '' && readState(dirs, owner) !== undefined) {
      throw new RyouikiError('NAME_IN_USE', `the name ${name} is already used by container ${owner.slice(0, 12)}: choose another, or remove that one with ryouiki rm ${name}`);
    }
    if (owner === '') continue;
    releaseName(dirs, name, owner);
  }
  throw new RyouikiError('NAME_IN_USE', `the name ${name} is being taken by another start: choose another`);
}

/** Frees a name, if it still belongs to that container. */
export function releaseName(dirs: StoreDirs, name: string, id: string | undefined): void {
  if (id === undefined || nameOwner(dirs, name) === id) rmSync(namePath(dirs, name), { force: true });
  try {
    rmdirSync(namesDir(dirs));
  } catch {
    // other names are left
  }
}

export function listNames(dirs: StoreDirs): Map<string, string> {
  const names = new Map<string, string>();
  let entries: string[] = [];
  try {
    entries = readdirSync(namesDir(dirs));
  } catch {
    return names;
  }
  for (const name of entries) {
    const owner = nameOwner(dirs, name);
    if (owner !== undefined) names.set(name, owner);
  }
  return names;
}
