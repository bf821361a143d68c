import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkRequest } from '@ryouiki/net';
import type { CgroupOptions } from '../cgroup/cgroup-system.js';
import type { PlanHooks } from '../spec/container-options.js';
import { RyouikiError } from '../errors.js';
import type { ProcessIdentity } from './proc-identity.js';
import { isInsideDir, type StoreDirs } from './runtime-dir.js';
import type { ContainerSpec } from '../spec/spec.js';
import { StateStore } from './state-store.js';

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

/** ryouiki's store: `<runtime>/<id>/state.json`, an id being 64 hex digits. */
export function stateStore(dirs: StoreDirs): StateStore {
  return new StateStore(dirs.runtime, {
    idPattern: ID_PATTERN,
    badId: (id) => new RyouikiError('CONTAINER_NOT_FOUND', `${JSON.stringify(id)} is not the id of a container (64 hex digits): see ryouiki ps`),
  });
}

export function containerDir(dirs: StoreDirs, id: string): string {
  return stateStore(dirs).folder(id);
}

/**
 * Where a container that stays once it has ended (a detached one without
 * --rm) has its root overlay: in its own folder, so that its upper layer (what
 * it wrote) stays until it is removed, for commit and restart, as podman keeps it.
 */
export function keptOverlayDir(dirs: StoreDirs, id: string): string {
  return join(containerDir(dirs, id), 'overlay');
}

export function statePath(dirs: StoreDirs, id: string): string {
  return stateStore(dirs).statePath(id);
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
  const text = stateStore(dirs).readText(id);
  if (text === undefined) return undefined;
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

/** Writes state.json whole. Call it under the container's lock. */
export function writeState(dirs: StoreDirs, state: ContainerState): void {
  stateStore(dirs).write(state.id, state);
}

/** Creates a container's folder with its first state.json in one step (StateStore.create), and its log. */
export function createContainerDir(dirs: StoreDirs, state: ContainerState, withLog = true): void {
  // The log is made here, so that a log folder the supervisor could not write is said as the store's own files are.
  if (withLog) {
    mkdirSync(logsDir(dirs), { recursive: true, mode: 0o700 });
    closeSync(openSync(state.logPath, 'a', 0o600));
  }
  try {
    stateStore(dirs).create(state.id, state);
  } catch (error) {
    if (withLog) rmSync(state.logPath, { force: true });
    throw error;
  }
}

/** The ids of every container folder, whatever their state; the staging folders of starts that died are swept. */
export function listContainerIds(dirs: StoreDirs): string[] {
  return stateStore(dirs).ids();
}

/** Removes a container's state folder and its logs; the binding_vow process log stays, as the seed's history. */
export function removeStoredContainer(dirs: StoreDirs, state: Pick<ContainerState, 'id' | 'logPath'>): void {
  if (isInsideDir(dirs.data, state.logPath)) {
    rmSync(state.logPath, { force: true });
    rmSync(`${state.logPath}.1`, { force: true });
  }
  stateStore(dirs).remove(state.id);
}
