import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Duplex, Readable, Writable } from 'node:stream';
import { RyouikiError } from '../errors.js';
import { helperFailure } from '../helper/helper.js';
import { cgroupOf } from './resources.js';
import { processIdentity } from '../store/proc-identity.js';
import type { ResourceRecord } from '../store/container-state.js';
import type { ContainerSpec } from '../spec/spec.js';
import { followHelper, type HelperStatus, type LaunchGoal } from './events.js';
import { BLOCK_FD, INFO_FD, LINK_FD } from './fds.js';
import type { LaunchRecorder } from './record.js';
import { releaseAll, type Resource, type Warn } from './resource.js';

/**
 * One launch: a validated spec, its resources in attach order (see
 * containerResources) and where it is recorded.
 */
export interface Launch {
  spec: ContainerSpec;
  resources: Resource[];
  recorder: LaunchRecorder;
  /** Where the helper's warnings go. */
  warn: Warn;
}

/**
 * The first steps of every launch: record the container with every
 * resource's record, then prepare each resource in turn (the spec flows
 * through them). On a failure everything is released and unrecorded.
 */
export async function prepareLaunch(launch: Launch): Promise<ContainerSpec> {
  await launch.recorder.begin(launch.resources.map((resource) => resource.record()));
  let spec = launch.spec;
  try {
    for (const resource of launch.resources) if (resource.prepare !== undefined) spec = await resource.prepare(spec);
    await launch.recorder.prepared(spec);
    return spec;
  } catch (error) {
    await releaseAll(launch.resources);
    await launch.recorder.finish({ exitCode: 125 }).catch(() => undefined);
    throw error;
  }
}

/** Runs the step between prepare and the helper's start; should it fail, everything is released and unrecorded. */
export async function afterPrepare<T>(launch: Launch, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await endLaunch(launch, { executed: false, ready: false }, 125).catch(() => undefined);
    throw error;
  }
}

/** Follows the helper to the goal, recording its PID first. */
export function followLaunch(
  launch: Launch,
  info: Readable,
  block: Writable,
  goal: LaunchGoal,
  status: HelperStatus = { executed: false, ready: false },
  onExec?: () => Promise<void>,
): Promise<HelperStatus> {
  block.on('error', () => undefined);
  return followHelper(info, block, launch.resources, goal, { onPid: (pid) => launch.recorder.pid(pid), onWarning: launch.warn, ...(onExec === undefined ? {} : { onExec }) }, status);
}

/** The resources' records as they are now. */
export function records(launch: Launch): ResourceRecord[] {
  return launch.resources.map((resource) => resource.record());
}

/** The error a launch that did not reach its goal ends with. */
export function launchFailure(status: HelperStatus, what: string): unknown {
  if (status.attachError !== undefined) return status.attachError;
  const failure = status.failure ?? { message: `the ${what} ended before the container started`, code: status.exitCode ?? 125 };
  return helperFailure(failure.message, failure.code);
}

/** A container its cgroup's memory limit killed before its command ran. */
export function outOfMemory(spec: ContainerSpec): RyouikiError {
  const limit = spec.linux.resources?.memory?.limit;
  const named = limit === undefined ? 'its memory limit' : `its memory limit of ${limit} bytes`;
  return new RyouikiError(
    'OUT_OF_MEMORY',
    `the container ran out of memory before its command started: ${named} (--memory, linux.resources.memory.limit) is too small for the runtime's set-up; raise it`,
  );
}

/** The error of a launch that did not reach its goal; asked before release, which removes the cgroup that tells an OOM kill. */
function supervisedFailure(launch: Launch, status: HelperStatus): unknown {
  if (status.attachError === undefined && cgroupOf(launch.resources)?.report().oomKilled === true) return outOfMemory(launch.spec);
  return launchFailure(status, 'supervisor');
}

/** The one release path: every resource, last attached first, then the record, for any outcome of a launch. */
export async function endLaunch(launch: Launch, status: HelperStatus, exitCode: number, extra: Partial<Parameters<LaunchRecorder['finish']>[0]> = {}): Promise<void> {
  await status.started?.catch(() => undefined);
  await releaseAll(launch.resources);
  await launch.recorder.finish({ exitCode, ...extra });
}

/** A detached launch's supervisor (ryouiki-monitor) and the ends of its pipes. */
export interface Supervisor {
  process: ChildProcess;
  info: Duplex;
  block: Writable;
  /** Our end of the socket pair linked resources watch; closed once they are attached. */
  link?: Duplex;
}

/** Starts the supervisor with ARGV (its program first); a link fd goes with it when a resource watches the supervisor. */
export async function spawnSupervisor(launch: Launch, argv: string[], stdio: 'ignore' | 'inherit'): Promise<Supervisor> {
  const linked = launch.resources.filter((resource) => resource.linkToSupervisor !== undefined);
  const [program, ...args] = argv;
  const pipes: ('pipe' | 'ignore' | 'inherit')[] = [stdio, stdio, stdio, 'pipe', 'pipe', ...(linked.length > 0 ? ['pipe' as const] : [])];
  const child = spawn(program ?? '', args, { detached: true, stdio: pipes });
  child.on('error', () => undefined);
  const info = child.stdio[INFO_FD] as Duplex;
  const block = child.stdio[BLOCK_FD] as Writable;
  info.on('error', () => undefined);
  const link = (child.stdio as unknown[])[LINK_FD] as Duplex | null | undefined;
  if (link !== undefined && link !== null) {
    link.on('error', () => undefined);
    for (const resource of linked) resource.linkToSupervisor?.(link);
  }
  const supervisor = { process: child, info, block, ...(link === undefined || link === null ? {} : { link }) };
  try {
    await launch.recorder.supervisor(child.pid === undefined ? undefined : processIdentity(child.pid));
  } catch (error) {
    await killSupervisor(supervisor);
    throw error;
  }
  return supervisor;
}

async function killSupervisor(supervisor: Supervisor): Promise<void> {
  const child = supervisor.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * Follows a supervised launch to its goal; if it gets there, hands the
 * container to the supervisor for good, else kills the supervisor (and with
 * it the container) and releases everything. Resolves with the init's PID.
 */
export async function superviseLaunch(launch: Launch, supervisor: Supervisor, goal: LaunchGoal): Promise<number> {
  const status: HelperStatus = { executed: false, ready: false };
  try {
    await followLaunch(launch, supervisor.info, supervisor.block, goal, status);
  } catch (error) {
    status.attachError = error;
  }
  // Our copy of the link goes: the supervisor's end alone keeps what watches it.
  supervisor.link?.destroy();
  supervisor.block.destroy();
  const reachedGoal = goal === 'exec' ? status.executed : status.ready;
  if (!reachedGoal || status.pid === undefined || status.attachError !== undefined) {
    await killSupervisor(supervisor);
    const failure = supervisedFailure(launch, status);
    await endLaunch(launch, status, status.exitCode ?? 125).catch(() => undefined);
    throw failure;
  }
  try {
    await launch.recorder.running(records(launch));
  } catch (error) {
    await killSupervisor(supervisor);
    await endLaunch(launch, status, 125).catch(() => undefined);
    throw error;
  }
  for (const resource of launch.resources) resource.handOver?.();
  // The supervisor holds the container from now on: its end no longer kills it.
  supervisor.info.end('k');
  await once(supervisor.info, 'finish').catch(() => undefined);
  supervisor.info.destroy();
  supervisor.process.unref();
  await status.started;
  return status.pid;
}
