import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import { settleContainer } from './container-end.js';
import { findContainerId } from './container-lookup.js';
import { releaseName } from './container-names.js';
import { containerDir, listContainerIds, readState, removeContainerFiles, sweepAbandonedStaging, type ContainerState } from './container-state.js';
import { RyouikiError } from './errors.js';
import type { StoreOptions } from './paths.js';
import { isAlive } from './proc-identity.js';
import { storeDirs, type StoreDirs } from './runtime-dir.js';
import { withLock } from './state-lock.js';

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

/** Every container, brought up to date, oldest first. */
export async function listContainers(options: StoreOptions = {}): Promise<ContainerState[]> {
  const dirs = storeDirs(options);
  const states: ContainerState[] = [];
  sweepAbandonedStaging(dirs);
  for (const id of listContainerIds(dirs)) {
    const state = await settleContainer(dirs, id);
    if (state !== undefined) states.push(state);
  }
  return states.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function signalNumber(signal: string): number {
  const text = signal.toUpperCase();
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number > 0 && number < 65) return number;
  } else {
    const number = (constants.signals as Record<string, number>)[text.startsWith('SIG') ? text : `SIG${text}`];
    if (number !== undefined) return number;
  }
  throw new RyouikiError('USAGE', `unknown signal ${signal}: give a name such as TERM or KILL, or a number`);
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
  let state = await settleContainer(dirs, id);
  if (state !== undefined && state.status !== 'stopped') {
    if (!force) throw new RyouikiError('CONTAINER_RUNNING', `container ${query} is ${state.status}: stop it first, or use ryouiki rm -f`);
    state = await stopContainer(id, 0, options);
  }
  if (state === undefined) return id;
  const removed = state;
  await withLock(containerDir(dirs, id), () => {
    releaseName(dirs, removed.name, removed.id);
    removeContainerFiles(dirs, removed);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return id;
}

