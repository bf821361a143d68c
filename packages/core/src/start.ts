import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Duplex, Writable } from 'node:stream';
import { appendProcessLog } from '@ryouiki/logs';
import { newContainerId, shortId } from './container-options.js';
import { parseDetachKeys } from './detach-keys.js';
import { containerDir, containerLogPath, createContainerDir, exitFilePath, readState, removeContainerFiles, sweepAbandonedStaging, writeState, type ContainerState, type ResourceRecord } from './container-state.js';
import { nameProblem, releaseName, reserveName } from './container-names.js';
import { planCgroup } from './cgroup.js';
import type { CgroupOptions } from './cgroup-system.js';
import { containerFilesDir, type ContainerFiles } from './container-dir.js';
import { prepareContainer, type ContainerSetup } from './container-setup.js';
import { DetachedCgroup } from './detached-cgroup.js';
import { containerFilesRecord, detachedSetup } from './detached-setup.js';
import { releaseRecorded, type DetachedResource } from './detached-resources.js';
import { RyouikiError } from './errors.js';
import { helperArgs, helperFailure, helperPath, parseHelperEvent } from './helper.js';
import { monitorArgs, monitorPath, networkFilePath } from './monitor.js';
import type { StoreOptions } from './paths.js';
import { processIdentity } from './proc-identity.js';
import { ensureRuntimeDir, storeDirs, type StoreDirs } from './runtime-dir.js';
import type { ContainerSpec } from './spec.js';
import { withLock } from './state-lock.js';
import { attachResources } from './run.js';
import { assertValidSpec } from './validate.js';

const SYNC_FD = 3;
const BLOCK_FD = 4;
/** A socket pair end the supervisor holds until it ends; see DetachedResource.linkToSupervisor. */
const LINK_FD = 5;
export const DEFAULT_LOG_MAX_SIZE = 10 * 1024 * 1024;

export interface StartOptions extends StoreOptions {
  id?: string;
  /** Default: the short id. */
  name?: string;
  /** How ps and the process log name the command; default: the arguments joined by spaces. */
  commandLabel?: string;
  /** Rotate the container log past this many bytes, keeping one previous file; 0 never rotates. */
  logMaxSize?: number;
  /** Remove the container and its log once it has ended (--rm). */
  autoRemove?: boolean;
  /** What the supervisor runs once the container has ended, to record it (`ryouiki cleanup`); `[--root ROOT] ID` is appended. */
  exitCommand?: string[];
  /** Where the container's cgroup goes, or none (`enabled: false`); limits come from the spec. */
  cgroups?: CgroupOptions;
  /** With a terminal (spec.process.terminal): what `ryouiki attach` types goes to it (`-i`). */
  interactive?: boolean;
  /** The detach sequence of `ryouiki attach`, as podman spells it; default ctrl-p,ctrl-q. */
  detachKeys?: string;
}

export interface StartResult {
  id: string;
  name: string;
  /** The container's init as the host sees it. */
  pid: number;
}

async function updateState(dirs: StoreDirs, id: string, change: (state: ContainerState) => void): Promise<void> {
  await withLock(containerDir(dirs, id), () => {
    const state = readState(dirs, id);
    if (state === undefined) return;
    change(state);
    writeState(dirs, state);
  });
}

function createContainer(dirs: StoreDirs, spec: ContainerSpec, options: StartOptions, resources: ResourceRecord[]): ContainerState {
  const id = options.id ?? newContainerId();
  const name = options.name ?? shortId(id);
  const problem = nameProblem(name);
  if (problem !== undefined) throw new RyouikiError('USAGE', `${problem}: see ryouiki start --help`);
  ensureRuntimeDir(dirs.runtime);
  const state: ContainerState = {
    id,
    name,
    command: options.commandLabel ?? spec.process.args.join(' '),
    spec,
    status: 'created',
    createdAt: new Date().toISOString(),
    logPath: containerLogPath(dirs, id),
    autoRemove: options.autoRemove ?? false,
    resources,
    creator: processIdentity(process.pid),
    ...terminalRecord(spec, options),
  };
  sweepAbandonedStaging(dirs);
  createContainerDir(dirs, state);
  try {
    reserveName(dirs, name, id);
  } catch (error) {
    removeContainerFiles(dirs, state);
    throw error;
  }
  return state;
}

/** What `ryouiki attach` needs to know of a container with a terminal. */
function terminalRecord(spec: ContainerSpec, options: StartOptions): Partial<ContainerState> {
  if (options.detachKeys !== undefined) parseDetachKeys(options.detachKeys);
  if (spec.process.terminal !== true) {
    if (options.interactive === true) throw new RyouikiError('USAGE', 'ryouiki start -i needs -t: a detached container\'s input comes through ryouiki attach, which needs its terminal; add -t');
    return {};
  }
  return { interactive: options.interactive ?? false, ...(options.detachKeys === undefined ? {} : { detachKeys: options.detachKeys }) };
}

/** The container's environment for the monitor to hand the helper: a 0600 file in the container's private folder. */
function writeHelperEnv(files: ContainerFiles, spec: ContainerSpec): string {
  const path = join(files.dir, 'helper.env');
  writeFileSync(path, spec.process.env.map((entry) => `${entry}\0`).join(''), { mode: 0o600 });
  return path;
}

function spawnMonitor(dirs: StoreDirs, state: ContainerState, options: StartOptions, files: ContainerFiles, link: boolean): ChildProcess {
  const root = options.root === undefined ? [] : ['--root', resolve(options.root)];
  const exitCommand = options.exitCommand === undefined ? [] : [...options.exitCommand, ...root, state.id];
  const args = monitorArgs({
    logPath: state.logPath,
    logMaxSize: options.logMaxSize ?? DEFAULT_LOG_MAX_SIZE,
    exitFile: exitFilePath(dirs, state.id),
    syncFd: SYNC_FD,
    blockFd: BLOCK_FD,
    exitCommand,
    helper: [helperPath(), ...helperArgs(state.spec, { infoFd: SYNC_FD, blockFd: BLOCK_FD, files })],
    helperEnvFile: writeHelperEnv(files, state.spec),
    ...(state.spec.process.terminal === true ? { attachDir: containerDir(dirs, state.id), attachStdin: state.interactive === true } : {}),
    ...(link ? { networkFd: LINK_FD, networkFile: networkFilePath(containerDir(dirs, state.id)) } : {}),
  });
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', ...(link ? ['pipe' as const] : [])];
  return spawn(monitorPath(), args, { detached: true, stdio });
}

/** Lets each resource prepare what it needs before the container exists (a network's generated files), in order. */
async function prepareResources(spec: ContainerSpec, resources: DetachedResource[]): Promise<ContainerSpec> {
  for (const resource of resources) if (resource.prepare !== undefined) spec = await resource.prepare(spec);
  return spec;
}

interface Startup {
  pid?: number;
  executed: boolean;
  failure?: string;
  exitCode?: number;
  attachError?: unknown;
  attached: DetachedResource[];
}


/** Reads the helper's lines the supervisor relays until the command runs or the start has failed. */
async function followStartup(dirs: StoreDirs, state: ContainerState, sync: Duplex, block: Writable, resources: DetachedResource[]): Promise<Startup> {
  const startup: Startup = { executed: false, attached: [] };
  for await (const line of createInterface({ input: sync, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line);
    if (event === undefined) continue;
    if ('pid' in event) {
      startup.pid = event.pid;
      const identity = processIdentity(event.pid);
      await updateState(dirs, state.id, (current) => Object.assign(current, { pid: event.pid, process: identity }));
      appendProcessLog(dirs.data, { command: state.command, pid: event.pid, status: 'started', time: new Date().toISOString() });
      await attachResources(event.pid, resources, block, startup);
    } else if ('exec' in event) {
      startup.executed = true;
      break;
    } else if ('error' in event) {
      startup.failure = event.error;
    } else if ('exit' in event) {
      startup.exitCode = event.exit;
      break;
    }
  }
  return startup;
}

async function abandonStart(dirs: StoreDirs, state: ContainerState, monitor: ChildProcess, startup: Startup): Promise<never> {
  if (monitor.exitCode === null && monitor.signalCode === null) {
    const exited = once(monitor, 'exit');
    monitor.kill('SIGKILL');
    await exited;
  }
  for (const resource of [...startup.attached].reverse()) await resource.release();
  const exitCode = startup.exitCode ?? 125;
  if (startup.pid !== undefined) appendProcessLog(dirs.data, { command: state.command, pid: startup.pid, status: 'failed', exitCode, time: new Date().toISOString() });
  releaseName(dirs, state.name, state.id);
  removeContainerFiles(dirs, state);
  if (startup.attachError !== undefined) throw startup.attachError;
  throw helperFailure(startup.failure ?? 'the supervisor ended before the container started', exitCode);
}

/**
 * Starts a container detached, under ryouiki-monitor: records it in
 * state.json, attaches the resources while the command waits, and resolves
 * once the command has been executed. Nothing of Node.js stays behind: the
 * supervisor holds the container from then on.
 */
export async function start(spec: ContainerSpec, options: StartOptions = {}, resources: DetachedResource[] = []): Promise<StartResult> {
  assertValidSpec(spec);
  const dirs = storeDirs(options);
  // A limit that cannot be enforced is refused here, before anything is recorded or started.
  options = { ...options, id: options.id ?? newContainerId() };
  const cgroup = planCgroup(spec, options.id!, options.cgroups);
  if (cgroup !== undefined) resources = [new DetachedCgroup(cgroup), ...resources];
  // The first write: from here on everything this start makes is recorded
  // (paths known in advance), so a start killed at any moment is cleaned up.
  const early = [containerFilesRecord(containerFilesDir(dirs.runtime, options.id!)), ...resources.flatMap((resource) => resource.recordBeforeAttach?.() ?? [])];
  const state = createContainer(dirs, spec, options, early);
  let setup: ContainerSetup;
  let monitor: ChildProcess;
  try {
    state.spec = await prepareResources(spec, resources);
    await updateState(dirs, state.id, (current) => Object.assign(current, { spec: state.spec }));
    setup = prepareContainer(state.spec, options, state.id);
    resources = [...detachedSetup(setup), ...resources];
    monitor = spawnMonitor(dirs, state, options, setup.files, resources.some((resource) => resource.linkToSupervisor));
  } catch (error) {
    await releaseRecorded(early);
    releaseName(dirs, state.name, state.id);
    removeContainerFiles(dirs, state);
    throw error;
  }
  monitor.on('error', () => undefined);
  const sync = monitor.stdio[SYNC_FD] as Duplex;
  const block = monitor.stdio[BLOCK_FD] as Writable;
  sync.on('error', () => undefined);
  block.on('error', () => undefined);
  const link = (monitor.stdio as unknown[])[LINK_FD] as Duplex | undefined;
  if (link !== undefined && link !== null) {
    link.on('error', () => undefined);
    for (const resource of resources) resource.linkToSupervisor?.(link);
  }
  const monitorIdentity = monitor.pid === undefined ? undefined : processIdentity(monitor.pid);
  await updateState(dirs, state.id, (current) => Object.assign(current, { monitor: monitorIdentity }));
  const startup = await followStartup(dirs, state, sync, block, resources).finally(() => link?.destroy());
  if (!startup.executed || startup.pid === undefined) {
    // What was attached is released there; the container's files may not have been.
    return abandonStart(dirs, state, monitor, startup).finally(setup.cleanup);
  }
  const records = startup.attached.map((resource) => resource.record());
  await updateState(dirs, state.id, (current) => {
    current.resources = records;
    if (current.status === 'created') Object.assign(current, { status: 'running', startedAt: new Date().toISOString() });
  });
  sync.end('k');
  await once(sync, 'finish').catch(() => undefined);
  sync.destroy();
  block.destroy();
  monitor.unref();
  // OCI poststart hooks: once the command runs, before start returns.
  for (const resource of startup.attached) await resource.started?.();
  return { id: state.id, name: state.name, pid: startup.pid };
}
