import { readFileSync } from 'node:fs';
import { appendProcessLog, millisecondTime, runOf } from '@ryouiki/logs';
import { containerDir, exitFilePath, readState, removeStoredContainer, writeState, type ContainerState, type ExitReason } from './container-state.js';
import { releaseName } from './container-names.js';
import { releaseRecorded } from '../launch/resource.js';
import { readNetworkLoss } from '../helper/monitor.js';
import { sweepDeadExecRules } from '../helper/exec-security.js';
import { isAlive } from './proc-identity.js';
import { recordStaysInside, type StoreDirs } from './runtime-dir.js';
import { withLock } from './state-lock.js';

interface ContainerEnd {
  exitCode: number | null;
  reason: ExitReason;
  finishedAt: string;
}

function readExitFile(dirs: StoreDirs, id: string): ContainerEnd | undefined {
  try {
    const value = JSON.parse(readFileSync(exitFilePath(dirs, id), 'utf8')) as { exitCode: number; reason: ExitReason; finishedAt: string };
    return { exitCode: value.exitCode, reason: value.reason, finishedAt: millisecondTime(value.finishedAt) };
  } catch {
    return undefined;
  }
}

/**
 * Whether and how a container not yet recorded as stopped has ended: from the
 * supervisor's exit file, else, when its supervisor is gone (killed, or a
 * reboot), with an unknown exit code. A created container with no supervisor
 * yet is still being started while the start that creates it lives.
 */
export function containerEnd(dirs: StoreDirs, state: ContainerState): ContainerEnd | undefined {
  const recorded = readExitFile(dirs, state.id);
  if (recorded !== undefined) return recorded;
  if (state.monitor === undefined) {
    if (isAlive(state.creator)) return undefined;
    return { exitCode: null, reason: 'aborted', finishedAt: new Date().toISOString() };
  }
  if (isAlive(state.monitor)) return undefined;
  return { exitCode: null, reason: 'unknown', finishedAt: new Date().toISOString() };
}

function killLeftover(state: ContainerState): void {
  if (state.process !== undefined && isAlive(state.process)) {
    try {
      process.kill(state.process.pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  }
}

function logEnd(dirs: StoreDirs, state: ContainerState, end: ContainerEnd): void {
  if (state.pid === undefined) return;
  const entry = { command: state.command, pid: state.pid, time: end.finishedAt, ...(state.process === undefined ? {} : { run: runOf(state.process) }) };
  try {
    // Its supervisor (or the start) was killed before the exit code was known.
    if (end.exitCode === null) appendProcessLog(dirs.data, { ...entry, status: 'killed' });
    else appendProcessLog(dirs.data, { ...entry, status: end.exitCode === 0 ? 'done' : 'failed', exitCode: end.exitCode });
  } catch {
    // A process log that cannot take the end (unwritable, full) must not stop the settling: its
    // run, whose owner is gone, is shown as killed by inspect, and recorded once the log can take it.
  }
}

/**
 * Records a container's end once it has ended: kills what may be left of it,
 * releases its resources, writes the end to binding_vow and state.json, and
 * removes it all for --rm. Run by the supervisor's exit command, and by every
 * command that reads a container, so a supervisor killed before it could is
 * caught up with. Returns the state as it is now, undefined once removed.
 */
export async function settleContainer(dirs: StoreDirs, id: string): Promise<ContainerState | undefined> {
  return withNetworkLoss(dirs, await settleState(dirs, id));
}

/** What the supervisor reports beside state.json: that the network stack ended while the container ran. */
function withNetworkLoss(dirs: StoreDirs, state: ContainerState | undefined): ContainerState | undefined {
  if (state === undefined || state.networkLostAt !== undefined) return state;
  const lost = readNetworkLoss(containerDir(dirs, state.id));
  if (lost !== undefined) state.networkLostAt = millisecondTime(lost);
  return state;
}

async function settleState(dirs: StoreDirs, id: string): Promise<ContainerState | undefined> {
  const current = readState(dirs, id);
  if (current !== undefined) sweepDeadExecRules(containerDir(dirs, id));
  if (current === undefined || current.status === 'stopped' || containerEnd(dirs, current) === undefined) return current;
  try {
    return await withLock(containerDir(dirs, id), async () => {
      const state = readState(dirs, id);
      const end = state === undefined || state.status === 'stopped' ? undefined : containerEnd(dirs, state);
      if (state === undefined || end === undefined) return state;
      killLeftover(state);
      const released = await releaseRecorded(state.resources.filter((record) => recordStaysInside(dirs.runtime, record)));
      state.resources = released.left;
      if (released.reason !== undefined) end.reason = released.reason;
      logEnd(dirs, state, end);
      Object.assign(state, { status: 'stopped', exitCode: end.exitCode, exitReason: end.reason, finishedAt: end.finishedAt });
      if (state.autoRemove) {
        releaseName(dirs, state.name, state.id);
        removeStoredContainer(dirs, state);
        return undefined;
      }
      writeState(dirs, state);
      return state;
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
