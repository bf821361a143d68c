import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkRequest } from '@ryouiki/net';
import type { CgroupOptions } from './cgroup-system.js';
import type { PlanHooks } from './container-options.js';
import { aboutFile, RyouikiError } from './errors.js';
import { currentBootId, isAlive, processIdentity, type ProcessIdentity } from './proc-identity.js';
import { isInsideDir, type StoreDirs } from './runtime-dir.js';
import type { ContainerSpec } from './spec.js';

/** `damaged`: its state.json cannot be read (truncated, not JSON); `ryouiki rm -f` removes it and kills what it finds of it. */
export type ContainerStatus = 'created' | 'running' | 'stopped' | 'damaged';

/**
 * How a container ended: `exit`, `signal` (exit code 128+N), `oom` (a
 * resource releaser saw the kernel's OOM killer end it), `aborted` (its
 * start was cut short), `unknown` (its supervisor died).
 */
export type ExitReason = 'exit' | 'signal' | 'oom' | 'aborted' | 'unknown';

/** A resource a detached container holds, as recorded for whoever releases it later. */
export interface ResourceRecord {
  kind: string;
  [key: string]: unknown;
}

/**
 * What `restart` needs besides the spec to start a container again as it was
 * first started: the network it asked for, a bundle's hooks, how its log
 * rotates, what its supervisor runs at its end, and where its cgroup goes.
 */
export interface RelaunchRecord {
  network?: NetworkRequest;
  hooks?: PlanHooks;
  logMaxSize: number;
  /** Without the `[--root ROOT] ID` appended to it. */
  exitCommand: string[];
  cgroups?: CgroupOptions;
}

/** One container's state.json. */
export interface ContainerState {
  id: string;
  name: string;
  command: string;
  spec: ContainerSpec;
  status: ContainerStatus;
  /** The container's init as the host sees it (the binding_vow PID), with its start time. */
  pid?: number;
  process?: ProcessIdentity;
  /** ryouiki-monitor, the container's supervisor. */
  monitor?: ProcessIdentity;
  /** The ryouiki start that is creating it: a created container whose creator and supervisor are both gone was abandoned. */
  creator?: ProcessIdentity;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** null once stopped when the exit code is unknown. */
  exitCode?: number | null;
  exitReason?: ExitReason;
  logPath: string;
  autoRemove: boolean;
  resources: ResourceRecord[];
  /** With a terminal (spec.process.terminal): the keys of `ryouiki attach` go to it (`start -i`). */
  interactive?: boolean;
  /** The detach sequence `ryouiki attach` uses unless given one (`start --detach-keys`). */
  detachKeys?: string;
  /** When the supervisor saw the container's network stack end (slirp4netns or pasta killed): it has had no network since. */
  networkLostAt?: string;
  /** Why a damaged record cannot be read. */
  damage?: string;
  /** A detached container's: what restart starts it again with. */
  relaunch?: RelaunchRecord;
}

export const ID_PATTERN = /^[0-9a-f]{64}$/;

export function containerDir(dirs: StoreDirs, id: string): string {
  return join(dirs.runtime, id);
}

export function statePath(dirs: StoreDirs, id: string): string {
  return join(containerDir(dirs, id), 'state.json');
}

/** What ryouiki-monitor writes when the container has ended. */
export function exitFilePath(dirs: StoreDirs, id: string): string {
  return join(containerDir(dirs, id), 'exit');
}

/** The unix socket ryouiki-monitor serves for `ryouiki attach` when the container has a terminal. */
export function attachSocketPath(dirs: StoreDirs, id: string): string {
  return join(containerDir(dirs, id), 'attach');
}

export function logsDir(dirs: StoreDirs): string {
  return join(dirs.data, 'logs');
}

export function containerLogPath(dirs: StoreDirs, id: string): string {
  return join(logsDir(dirs), `${id}.log`);
}

export function namesDir(dirs: StoreDirs): string {
  return join(dirs.runtime, 'names');
}

function isState(value: unknown, id: string): value is ContainerState {
  const state = value as Partial<ContainerState> | null;
  return typeof state === 'object' && state !== null && state.id === id && typeof state.status === 'string' && Array.isArray(state.resources) && typeof state.spec === 'object';
}

/** A state.json that is there but cannot be read as a container's state. */
export function damagedStateError(id: string, why: string): RyouikiError {
  return new RyouikiError('STATE_DAMAGED', `the state of container ${id.slice(0, 12)} is damaged (${why}): remove it with ryouiki rm -f ${id.slice(0, 12)}`);
}

/** The container's state; undefined when it has none; STATE_DAMAGED when its state.json cannot be read. */
export function readState(dirs: StoreDirs, id: string): ContainerState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dirs, id), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damagedStateError(id, `state.json is not JSON: ${(error as Error).message}`);
  }
  if (!isState(value, id)) throw damagedStateError(id, 'state.json lacks the fields of a container');
  return value;
}

/** What the store still knows of a container whose state.json is damaged: its id, name and age. */
export function damagedState(dirs: StoreDirs, id: string, name: string | undefined, why: string): ContainerState {
  let createdAt = new Date(0).toISOString();
  try {
    createdAt = statSync(containerDir(dirs, id)).mtime.toISOString();
  } catch {
    // removed meanwhile
  }
  const spec: ContainerSpec = { ociVersion: '', process: { args: [], env: [], cwd: '/' }, root: { path: '' }, linux: { namespaces: [] } };
  return { id, name: name ?? id.slice(0, 12), command: '', spec, status: 'damaged', createdAt, logPath: containerLogPath(dirs, id), autoRemove: false, resources: [], damage: why };
}

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

/** Writes state.json whole. Call it under the container's lock. */
export function writeState(dirs: StoreDirs, state: ContainerState): void {
  writeWhole(statePath(dirs, state.id), stateText(state));
}

const CREATING_PREFIX = '.creating-';
const REMOVING_PREFIX = '.removing-';

function stateText(state: ContainerState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/**
 * Creates a container's folder with its first state.json in one step: both
 * are made in a staging folder named after this process, then renamed into
 * place. A start killed at any moment leaves either a whole container or a
 * staging folder that sweepAbandonedStaging removes once its maker is dead.
 */
export function createContainerDir(dirs: StoreDirs, state: ContainerState, withLog = true): void {
  // The log is made here, so that a log folder the supervisor could not write is said as the store's own files are.
  if (withLog) {
    mkdirSync(logsDir(dirs), { recursive: true, mode: 0o700 });
    closeSync(openSync(state.logPath, 'a', 0o600));
  }
  try {
    createStagedFolder(dirs.runtime, state.id, stateText(state));
  } catch (error) {
    if (withLog) rmSync(state.logPath, { force: true });
    throw error;
  }
}

/**
 * Makes `<parent>/<id>/state.json` through a staging folder (see
 * createContainerDir); both stores, ryouiki's and ryouiki-runtime's, use it.
 * A folder already at `<parent>/<id>` holds a state.json, so the rename fails
 * with EEXIST or ENOTEMPTY, which the caller reports as a name in use.
 */
export function createStagedFolder(parent: string, id: string, text: string): void {
  const staging = join(parent, stagingName(CREATING_PREFIX, id));
  try {
    mkdirSync(staging, { mode: 0o700 });
  } catch (error) {
    throw aboutFile(error, parent);
  }
  try {
    writeFileSync(join(staging, 'state.json'), text, { mode: 0o600 });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw aboutFile(error, join(parent, id, 'state.json'));
  }
  try {
    renameSync(staging, join(parent, id));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A folder named after this process: `<prefix><pid>-<start time>-<id>`, so a sweeper can tell when its maker is dead. */
function stagingName(prefix: string, id: string): string {
  return `${prefix}${process.pid}-${processIdentity(process.pid)?.startTime ?? 0}-${id}`;
}

function stagingPrefix(name: string): string | undefined {
  return [CREATING_PREFIX, REMOVING_PREFIX].find((prefix) => name.startsWith(prefix));
}

export function isStagingFolder(name: string): boolean {
  return stagingPrefix(name) !== undefined;
}

/**
 * Removes `<parent>/<id>` in one step as the stores see it: the folder is
 * renamed to a name of this process first, then emptied. A removal killed
 * half way leaves no container without its state.json, only a folder that
 * sweepAbandonedStaging removes once this process is dead.
 */
export function removeStagedFolder(parent: string, id: string): void {
  const trash = join(parent, stagingName(REMOVING_PREFIX, id));
  try {
    renameSync(join(parent, id), trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  rmSync(trash, { recursive: true, force: true });
}

/** Removes the staging folders of creations and removals whose process died before they were done. */
export function sweepAbandonedStaging(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter(isStagingFolder);
  } catch {
    return;
  }
  for (const name of names) {
    const [pid, startTime] = name.slice(stagingPrefix(name)?.length).split('-');
    if (!isAlive({ pid: Number(pid), startTime: startTime ?? '', bootId: currentBootId() })) {
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

/** The ids of every container folder, whatever their state. */
export function listContainerIds(dirs: StoreDirs): string[] {
  try {
    return readdirSync(dirs.runtime).filter((name) => ID_PATTERN.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Removes a container's state folder and its logs; the binding_vow process log stays, as the seed's history. */
export function removeContainerFiles(dirs: StoreDirs, state: Pick<ContainerState, 'id' | 'logPath'>): void {
  if (isInsideDir(dirs.data, state.logPath)) {
    rmSync(state.logPath, { force: true });
    rmSync(`${state.logPath}.1`, { force: true });
  }
  removeStagedFolder(dirs.runtime, state.id);
}
