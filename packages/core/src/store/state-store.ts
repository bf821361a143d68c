import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aboutFile, type RyouikiError } from '../errors.js';
import { currentBootId, isAlive, processIdentity } from './proc-identity.js';
import { ensureRuntimeDir } from './runtime-dir.js';
import { withLock } from './state-lock.js';

/**
 * What tells one store of container folders from another: ryouiki's own
 * (`<runtime>/<64 hex digits>/state.json`) and ryouiki-runtime's
 * (`<root>/<engine's id>/state.json`, as engines expect).
 */
export interface StoreLayout {
  /** The ids this store holds; a folder of another name is not a container's. */
  idPattern: RegExp;
  /** The one-line error for an id the layout refuses. */
  badId(id: string): RyouikiError;
}

const STATE_FILE = 'state.json';
const CREATING_PREFIX = '.creating-';
const REMOVING_PREFIX = '.removing-';

/** Writes a state file whole: to a temporary file, then renamed over the old one; a failed write leaves nothing. */
export function writeWhole(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw aboutFile(error, path);
  }
}

function stateText(state: object): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

function isLayoutId(layout: StoreLayout, id: string): boolean {
  return layout.idPattern.test(id) && id !== '.' && id !== '..';
}

/** Refuses an id the layout does not hold (and any that is a path: '/', '.', '..'). */
export function checkLayoutId(layout: StoreLayout, id: string): void {
  if (!isLayoutId(layout, id)) throw layout.badId(id);
}

/** A folder named after this process: `<prefix><pid>-<start time>-<id>`, so a sweeper can tell when its maker is dead. */
function stagingName(prefix: string, id: string): string {
  return `${prefix}${process.pid}-${processIdentity(process.pid)?.startTime ?? 0}-${id}`;
}

function stagingPrefix(name: string): string | undefined {
  return [CREATING_PREFIX, REMOVING_PREFIX].find((prefix) => name.startsWith(prefix));
}

function isStagingFolder(name: string): boolean {
  return stagingPrefix(name) !== undefined;
}

/** The folders of one store's containers, each with its state.json, under one lock each. */
export class StateStore {
  constructor(
    readonly root: string,
    private readonly layout: StoreLayout,
  ) {}

  checkId(id: string): void {
    checkLayoutId(this.layout, id);
  }

  folder(id: string): string {
    return join(this.root, id);
  }

  statePath(id: string): string {
    return join(this.root, id, STATE_FILE);
  }

  /**
   * Makes the container's folder with its first state.json in one step: both
   * are made in a staging folder named after this process, then renamed into
   * place. A create killed at any moment leaves either a whole container or a
   * staging folder that ids() removes once its maker is dead. A folder already
   * there holds a state.json, so the rename fails with EEXIST or ENOTEMPTY,
   * which the caller reports as a name in use. The store's root is made first
   * if missing, and refused unless it is a private folder (runtime-dir.ts).
   */
  create(id: string, state: object): void {
    this.checkId(id);
    ensureRuntimeDir(this.root);
    const staging = join(this.root, stagingName(CREATING_PREFIX, id));
    try {
      mkdirSync(staging, { mode: 0o700 });
    } catch (error) {
      throw aboutFile(error, this.root);
    }
    try {
      writeFileSync(join(staging, STATE_FILE), stateText(state), { mode: 0o600 });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw aboutFile(error, this.statePath(id));
    }
    try {
      renameSync(staging, this.folder(id));
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Writes state.json whole. Call it under the container's lock. */
  write(id: string, state: object): void {
    writeWhole(this.statePath(id), stateText(state));
  }

  /** Runs fn holding the container's lock (state-lock.ts). */
  withLock<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    return withLock(this.folder(id), fn);
  }

  /** The text of the container's state.json; undefined when it has none (an id the layout refuses has none). */
  readText(id: string): string | undefined {
    if (!isLayoutId(this.layout, id)) return undefined;
    try {
      return readFileSync(this.statePath(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The ids of every container folder, whatever their state, sorted; the staging folders of creates that died are swept first. */
  ids(): string[] {
    this.sweepAbandonedStaging();
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && isLayoutId(this.layout, entry.name) && !isStagingFolder(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Removes the container's folder and all it holds, in one step as the store
   * sees it: the folder is renamed to a name of this process first, then
   * emptied. A removal killed half way leaves no container without its
   * state.json, only a folder that ids() sweeps once this process is dead.
   */
  remove(id: string): void {
    this.checkId(id);
    const trash = join(this.root, stagingName(REMOVING_PREFIX, id));
    try {
      renameSync(this.folder(id), trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    rmSync(trash, { recursive: true, force: true });
  }

  /** Removes the staging folders of creations and removals whose process died before they were done. */
  sweepAbandonedStaging(): void {
    let names: string[];
    try {
      names = readdirSync(this.root).filter(isStagingFolder);
    } catch {
      return;
    }
    for (const name of names) {
      const [pid, startTime] = name.slice(stagingPrefix(name)?.length).split('-');
      if (!isAlive({ pid: Number(pid), startTime: startTime ?? '', bootId: currentBootId() })) {
        rmSync(join(this.root, name), { recursive: true, force: true });
      }
    }
  }
}
