import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentBootId, isAlive, processIdentity, type ProcessIdentity } from './proc-identity.js';
import { isInsideDir, type StoreDirs } from './runtime-dir.js';
import type { ContainerSpec } from './spec.js';

export type ContainerStatus = 'created' | 'running' | 'stopped';

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

export function readState(dirs: StoreDirs, id: string): ContainerState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dirs, id), 'utf8')) as ContainerState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes state.json whole: to a temporary file, then renamed over the old one. Call it under the container's lock. */
export function writeState(dirs: StoreDirs, state: ContainerState): void {
  const path = statePath(dirs, state.id);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, stateText(state), { mode: 0o600 });
  renameSync(temporary, path);
}

const STAGING_PREFIX = '.creating-';

function stateText(state: ContainerState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/**
 * Creates a container's folder with its first state.json in one step: both
 * are made in a staging folder named after this process, then renamed into
 * place. A start killed at any moment leaves either a whole container or a
 * staging folder that sweepAbandonedStaging removes once its maker is dead.
 */
export function createContainerDir(dirs: StoreDirs, state: ContainerState): void {
  mkdirSync(logsDir(dirs), { recursive: true, mode: 0o700 });
  const self = processIdentity(process.pid);
  const staging = join(dirs.runtime, `${STAGING_PREFIX}${process.pid}-${self?.startTime ?? 0}-${state.id}`);
  mkdirSync(staging, { mode: 0o700 });
  writeFileSync(join(staging, 'state.json'), stateText(state), { mode: 0o600 });
  renameSync(staging, containerDir(dirs, state.id));
}

/** Removes the staging folders of starts that died before their container's folder was in place. */
export function sweepAbandonedStaging(dirs: StoreDirs): void {
  let names: string[];
  try {
    names = readdirSync(dirs.runtime).filter((name) => name.startsWith(STAGING_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const [pid, startTime] = name.slice(STAGING_PREFIX.length).split('-');
    if (!isAlive({ pid: Number(pid), startTime: startTime ?? '', bootId: currentBootId() })) {
      rmSync(join(dirs.runtime, name), { recursive: true, force: true });
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
  rmSync(containerDir(dirs, state.id), { recursive: true, force: true });
}
