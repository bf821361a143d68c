import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import { settleContainer } from './container-end.js';
import { findContainerId } from './container-lookup.js';
import { listNames, releaseName } from './container-names.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { findLostContainerCgroups, killCgroup, removeCgroups } from '../cgroup/cgroup-control.js';
import { containerFilesDir } from '../launch/container-files.js';
import { shortId } from '../spec/container-options.js';
import { containerDir, containerLogPath, damagedState, keptOverlayDir, listContainerIds, removeStoredContainer, type ContainerState } from './container-state.js';
import { removeLayerTree } from '../images/unpacker.js';
import { isRyouikiError, RyouikiError } from '../errors.js';
import type { StoreOptions } from './paths.js';
import { isAlive, processesMentioning } from './proc-identity.js';
import { storeDirs, type StoreDirs } from './runtime-dir.js';
import { withLock } from './state-lock.js';
import { signalNumber } from '../spec/signal.js';

const POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A container's state brought up to date (its end recorded if it has ended); throws for an unknown one. */
export async function inspectContainer(query: string, options: StoreOptions = {}): Promise<ContainerState> {
  const dirs = storeDirs(options);
  const id = findContainerId(dirs, query);
  const state = await settleContainer(dirs, id);
  if (state === undefined) throw new RyouikiError('CONTAINER_NOT_FOUND', `no container ${query}: it was just removed`);
  return state;
}

function isDamaged(error: unknown): error is RyouikiError {
  return isRyouikiError(error) && error.code === 'STATE_DAMAGED';
}

/** Every container, brought up to date, oldest first; one whose state.json is damaged is listed as `damaged`. */
export async function listContainers(options: StoreOptions = {}): Promise<ContainerState[]> {
  const dirs = storeDirs(options);
  const states: ContainerState[] = [];
  const names = new Map([...listNames(dirs)].map(([name, id]) => [id, name]));
  for (const id of listContainerIds(dirs)) {
    try {
      const state = await settleContainer(dirs, id);
      if (state !== undefined) states.push(state);
    } catch (error) {
      if (!isDamaged(error)) throw error;
      states.push(damagedState(dirs, id, names.get(id), error.message));
    }
  }
  return states.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** A kept upper layer's files may belong to the user's subordinate ids: they are removed inside a user namespace that maps them. */
function removeKeptOverlay(dirs: StoreDirs, id: string): Promise<void> {
  return removeLayerTree(keptOverlayDir(dirs, id));
}

/**
 * Removes a container whose state.json is damaged: kills what is found of it
 * (processes naming its folders, its cgroup), then removes its folders, log
 * and name. Its binding_vow log stays, as the seed's history.
 */
async function removeDamagedContainer(dirs: StoreDirs, id: string): Promise<void> {
  const files = containerFilesDir(dirs.runtime, id);
  const folders = [containerDir(dirs, id), files, join(dirs.runtime, shortId(id))];
  for (const pid of processesMentioning(folders.map((folder) => `${folder}/`))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  const cgroups = findLostContainerCgroups(id);
  if (cgroups !== undefined) {
    await killCgroup(cgroups).catch(() => undefined);
    await removeCgroups(cgroups);
  }
  for (const folder of [files, join(dirs.runtime, shortId(id))]) rmSync(folder, { recursive: true, force: true });
  await removeKeptOverlay(dirs, id).catch(() => undefined);
  for (const [name, owner] of listNames(dirs)) if (owner === id) releaseName(dirs, name, id);
  removeStoredContainer(dirs, { id, logPath: containerLogPath(dirs, id) });
}

/** The signals the container's init passes on to the command; others go to the command directly. */
const FORWARDED_BY_INIT = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGKILL'].map((name) => (constants.signals as Record<string, number>)[name]));

function commandPid(initPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim().split(/\s+/);
    const first = Number(children[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** The container's init PID, or an error when it is not running. */
export function requireRunning(state: ContainerState, query: string): number {
  if (state.status !== 'running' || state.process === undefined || !isAlive(state.process)) {
    throw new RyouikiError('CONTAINER_NOT_RUNNING', `container ${query} is not running: see ryouiki ps -a`);
  }
  return state.process.pid;
}

/** Sends a signal to a running container's command (SIGKILL ends the whole container). */
export async function killContainer(query: string, signal: string, options: StoreOptions = {}): Promise<ContainerState> {
  const number = signalNumber(signal);
  const state = await inspectContainer(query, options);
  const pid = requireRunning(state, query);
  process.kill(signalTarget(pid, number), number);
  return state;
}

/** Who gets a signal: the init for those it forwards (and SIGKILL), else the command itself. */
export function signalTarget(initPid: number, signal: number): number {
  return FORWARDED_BY_INIT.has(signal) ? initPid : (commandPid(initPid) ?? initPid);
}

async function waitUntilStopped(dirs: StoreDirs, id: string, deadline: number): Promise<ContainerState | undefined> {
  for (;;) {
    const state = await settleContainer(dirs, id);
    if (state === undefined || state.status === 'stopped') return state;
    if (Date.now() >= deadline) return state;
    await sleep(POLL_MS);
  }
}

/** Waits until a container has stopped and returns its state (undefined if --rm removed it). */
export async function waitContainer(query: string, options: StoreOptions = {}): Promise<ContainerState | undefined> {
  const dirs = storeDirs(options);
  return waitUntilStopped(dirs, findContainerId(dirs, query), Infinity);
}

function trySignal(state: ContainerState, signal: NodeJS.Signals): void {
  if (state.process === undefined || !isAlive(state.process)) return;
  try {
    process.kill(state.process.pid, signal);
  } catch {
    // it ended meanwhile
  }
}

/** SIGTERM, then SIGKILL after timeoutSeconds; resolves once the container is recorded stopped. */
/** What stop sends first: the image's StopSignal, as podman does, else SIGTERM. */
function stopSignal(state: ContainerState): NodeJS.Signals {
  const given = state.spec.root.image?.stopSignal?.toUpperCase();
  if (given === undefined) return 'SIGTERM';
  const name = given.startsWith('SIG') ? given : `SIG${given}`;
  return name in constants.signals ? (name as NodeJS.Signals) : 'SIGTERM';
}

export async function stopContainer(query: string, timeoutSeconds = 10, options: StoreOptions = {}): Promise<ContainerState | undefined> {
  const dirs = storeDirs(options);
  const id = findContainerId(dirs, query);
  let state = await settleContainer(dirs, id);
  if (state === undefined || state.status === 'stopped') return state;
  trySignal(state, stopSignal(state));
  state = await waitUntilStopped(dirs, id, Date.now() + timeoutSeconds * 1000);
  if (state === undefined || state.status === 'stopped') return state;
  trySignal(state, 'SIGKILL');
  return waitUntilStopped(dirs, id, Infinity);
}

/** Removes a stopped container's state and logs; with force, stops a running one first. */
export async function removeContainer(query: string, force = false, options: StoreOptions = {}): Promise<string> {
  const dirs = storeDirs(options);
  const id = findContainerId(dirs, query);
  let state: ContainerState | undefined;
  try {
    state = await settleContainer(dirs, id);
  } catch (error) {
    if (!isDamaged(error) || !force) throw error;
    await removeDamagedContainer(dirs, id);
    return id;
  }
  if (state !== undefined && state.status !== 'stopped') {
    if (!force) throw new RyouikiError('CONTAINER_RUNNING', `container ${query} is ${state.status}: stop it first, or use ryouiki rm -f`);
    state = await stopContainer(id, 0, options);
  }
  if (state === undefined) return id;
  const removed = state;
  await withLock(containerDir(dirs, id), async () => {
    await removeKeptOverlay(dirs, id);
    releaseName(dirs, removed.name, removed.id);
    removeStoredContainer(dirs, removed);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return id;
}
