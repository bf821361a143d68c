import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseHelperEvent } from '../helper/helper.js';
import type { Resource } from './resource.js';

/** Where the launching process stops reading: the command runs, it waits at the OCI start gate, or the helper ended. */
export type LaunchGoal = 'exec' | 'ready' | 'end';

/** What the helper's lines told so far. */
export interface HelperStatus {
  pid?: number;
  executed: boolean;
  ready: boolean;
  failure?: { message: string; code: number };
  exitCode?: number;
  attachError?: unknown;
  /** What the resources do once the command runs (poststart hooks), to await before they are released. */
  started?: Promise<unknown>;
}

export interface LaunchEvents {
  /** The init exists: record it, before anything is attached to it. */
  onPid(pid: number): Promise<void>;
  /** The command runs (a foreground launch records it so; a supervised one once it hands over). */
  onExec?(): Promise<void>;
  /** What the person should know, the container starting anyway (the helper's fallback to a single-id map). */
  onWarning?(message: string): void;
}

/** Attaches each resource in turn, then lets the helper go on with one byte; on a failure closes the fd without it, which makes the helper give up. */
async function attachAll(pid: number, resources: Resource[], block: Writable, status: HelperStatus): Promise<void> {
  try {
    for (const resource of resources) await resource.attach(pid);
    block.end('1');
  } catch (error) {
    status.attachError = error;
    block.end();
  }
}

function reached(goal: LaunchGoal, status: HelperStatus): boolean {
  if (status.exitCode !== undefined || status.attachError !== undefined) return true;
  return (goal === 'exec' && status.executed) || (goal === 'ready' && status.ready);
}

/**
 * The one state machine of a launch: reads the helper's events (directly, or
 * as the supervisor relays them) until the goal, attaching the resources
 * when the PID arrives and telling them when the command runs.
 */
export async function followHelper(info: Readable, block: Writable, resources: Resource[], goal: LaunchGoal, events: LaunchEvents, status: HelperStatus): Promise<HelperStatus> {
  for await (const line of createInterface({ input: info, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line);
    if (event === undefined) continue;
    if ('pid' in event) {
      status.pid = event.pid;
      try {
        await events.onPid(event.pid);
      } catch (error) {
        status.attachError = error;
        block.end();
        break;
      }
      await attachAll(event.pid, resources, block, status);
    } else if ('exec' in event) {
      status.executed = true;
      status.started = Promise.all([...resources.map((resource) => resource.started?.()), events.onExec?.()]);
    } else if ('warning' in event) {
      events.onWarning?.(event.warning);
    } else if ('ready' in event) {
      status.ready = true;
    } else if ('error' in event) {
      status.failure = { message: event.error, code: event.code ?? 125 };
    } else if ('exit' in event) {
      status.exitCode = event.exit;
    }
    if (goal !== 'end' && reached(goal, status)) break;
  }
  return status;
}
