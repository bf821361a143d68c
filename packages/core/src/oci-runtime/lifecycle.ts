import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeSync, constants as fsConstants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { signalTarget } from '../store/container-control.js';
import { signalNumber } from '../spec/signal.js';
import { releaseRecorded } from '../launch/resource.js';
import { RyouikiError } from '../errors.js';
import { helperFailure } from '../helper/helper.js';
import { isAlive } from '../store/proc-identity.js';
import { runHooksWarning, type OciState } from '../oci/hooks.js';
import { isFrozen, setFrozen } from './freezer.js';
import {
  listIds,
  ociRoot,
  readHelperReport,
  readRecord,
  recordStatus,
  removeContainerFolder,
  startFifoPath,
  type OciRecord,
  type OciRuntimeState,
  type OciStatus,
  type OciStoreOptions,
} from './store.js';

const POLL_MS = 2;

export interface RuntimeOptions extends OciStoreOptions {
  onWarning?: (message: string) => void;
}

function statusOf(root: string, record: OciRecord): OciStatus {
  return recordStatus(root, record, isFrozen);
}

function stateOf(record: OciRecord, status: OciStatus): OciRuntimeState {
  const state: OciRuntimeState = { ociVersion: record.ociVersion, id: record.id, status, bundle: record.bundle, annotations: record.annotations };
  if (status !== 'stopped' && record.pid !== undefined) state.pid = record.pid;
  return state;
}

/** The state hooks read: never paused. */
function hookState(record: OciRecord, status: 'running' | 'stopped'): OciState {
  return stateOf(record, status) as OciState;
}

/** The OCI state of one container. */
export function ociState(id: string, options: OciStoreOptions = {}): OciRuntimeState {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  return stateOf(record, statusOf(root, record));
}

/** Every container of this root, with its state. */
export function ociList(options: OciStoreOptions = {}): Array<OciRuntimeState & { created: string; rootfs: string }> {
  const root = ociRoot(options);
  return listIds(root).flatMap((id) => {
    try {
      const record = readRecord(root, id);
      return [{ ...stateOf(record, statusOf(root, record)), created: record.created, rootfs: record.spec.root.path }];
    } catch {
      return []; // being created or deleted meanwhile
    }
  });
}

function notIn(record: OciRecord, status: OciStatus, wanted: string, what: string): RyouikiError {
  return new RyouikiError(status === 'stopped' ? 'CONTAINER_NOT_RUNNING' : 'CONTAINER_RUNNING', `container ${record.id} is ${status}, not ${wanted}: cannot ${what} it`);
}

/** Waits until the helper has run the command or failed; the supervisor writes its lines to the info file. */
async function waitForExec(root: string, record: OciRecord): Promise<void> {
  for (;;) {
    // Whether the supervisor is gone is asked first: it writes its last lines before it ends.
    const ended = !isAlive(record.monitor);
    const report = readHelperReport(root, record.id);
    if (report.executed) return;
    if (report.failure !== undefined) throw helperFailure(report.failure.message, report.failure.code);
    if (report.exitCode !== undefined || ended) {
      throw new RyouikiError('HELPER_FAILED', `container ${record.id} ended before its command ran`);
    }
    await sleep(POLL_MS);
  }
}

/** OCI start: lets a created container run its command; resolves once it runs. */
export async function ociStart(id: string, options: RuntimeOptions = {}): Promise<void> {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  const status = statusOf(root, record);
  if (status !== 'created') throw notIn(record, status, 'created', 'start');
  const fifo = startFifoPath(root, id);
  let fd: number;
  try {
    fd = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw new RyouikiError(
      'CONTAINER_NOT_RUNNING',
      `container ${id} cannot be started: its start fifo is gone (${(error as NodeJS.ErrnoException).code ?? 'error'}): it was started already, or it ended`,
    );
  }
  try {
    writeSync(fd, '1');
  } finally {
    closeSync(fd);
    rmSync(fifo, { force: true });
  }
  await waitForExec(root, record);
  await runHooksWarning(record.hooks, 'poststart', hookState(record, 'running'), options.onWarning ?? (() => undefined));
}

/** The processes of the container: those in its init's PID namespace (exec'd ones too), the init first. */
export function ociProcesses(id: string, options: OciStoreOptions = {}): number[] {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  if (statusOf(root, record) === 'stopped' || record.pid === undefined) return [];
  return pidNamespaceMembers(record.pid);
}

/**
 * The processes in the PID namespace of init, init first: what ps shows
 * inside the container. A container in the host's PID namespace (a bundle
 * without a pid entry) has init and its descendants: its init subreaps the
 * orphans, and the namespace's other members are the host's.
 */
export function pidNamespaceMembers(init: number): number[] {
  const namespace = pidNamespace(init);
  if (namespace === undefined) return [];
  if (namespace === pidNamespace(process.pid)) return [init, ...descendantsOf(init).sort((a, b) => a - b)];
  const others = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== init)
    .map(Number)
    .filter((pid) => pidNamespace(pid) === namespace);
  return [init, ...others.sort((a, b) => a - b)];
}

/** The kernel's list of each thread's children (/proc/PID/task/TID/children), followed down. */
function descendantsOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = threads.flatMap((thread) => {
    try {
      return readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** OCI kill: a signal to the command (or with `all`, to every process of the container). A created container has no command yet: any signal ends it. */
export async function ociKill(id: string, signal: string, all: boolean, options: OciStoreOptions = {}): Promise<void> {
  const number = signalNumber(signal);
  const root = ociRoot(options);
  const record = readRecord(root, id);
  const status = statusOf(root, record);
  // Worded as runc words it: containerd's shim reads "container not running" as a kill of a process already gone.
  if (status === 'stopped') throw new RyouikiError('CONTAINER_NOT_RUNNING', `cannot kill container ${id}: container not running (it has stopped)`);
  if (status === 'creating' || record.pid === undefined) throw notIn(record, status, 'created or running', 'kill');
  if (status === 'created') {
    process.kill(record.pid, 'SIGKILL');
    return;
  }
  const targets = all ? pidNamespaceMembers(record.pid).reverse() : [signalTarget(record.pid, number)];
  for (const pid of targets) {
    try {
      process.kill(pid, number);
    } catch {
      // gone meanwhile
    }
  }
}

async function waitUntilGone(record: OciRecord): Promise<void> {
  while (isAlive(record.process) || isAlive(record.monitor)) await sleep(POLL_MS);
}

/** OCI delete: releases a stopped (or created) container's resources and state; `force` kills a running one first. */
export async function ociDelete(id: string, force: boolean, options: RuntimeOptions = {}): Promise<void> {
  const root = ociRoot(options);
  let record: OciRecord;
  try {
    record = readRecord(root, id);
  } catch (error) {
    // As runc: what is gone needs no forced delete (engines clean up after a failed create so).
    if (force && (error as { code?: string }).code === 'CONTAINER_NOT_FOUND') return;
    throw error;
  }
  const status = statusOf(root, record);
  if ((status === 'running' || status === 'paused') && !force) {
    throw new RyouikiError('CONTAINER_RUNNING', `container ${id} is ${status}: stop it first (ryouiki-runtime kill ${id} KILL), or delete --force`);
  }
  for (const identity of [record.process, record.monitor]) {
    if (identity !== undefined && isAlive(identity)) process.kill(identity.pid, 'SIGKILL');
  }
  if (status === 'paused') setFrozen(record, false);
  await waitUntilGone(record);
  // The bundle's poststop hooks are among the resources, recorded with the container's state.
  await releaseRecorded(record.resources, options.onWarning ?? (() => undefined));
  removeContainerFolder(root, id);
}

/** OCI pause and resume: the cgroup freezer. */
export function ociPause(id: string, frozen: boolean, options: OciStoreOptions = {}): void {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  const status = statusOf(root, record);
  const wanted = frozen ? 'running' : 'paused';
  if (status !== wanted) throw notIn(record, status, wanted, frozen ? 'pause' : 'resume');
  setFrozen(record, frozen);
}
