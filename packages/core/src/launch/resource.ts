import type { Stream } from 'node:stream';
import type { ExitReason, ResourceRecord } from '../store/container-state.js';
import type { ContainerSpec } from '../spec/spec.js';

/**
 * Something a container holds besides its processes (its files, id maps,
 * cgroup, network, hooks). The launch pipeline records every resource before
 * it makes any, prepares them in order before the helper starts, attaches
 * them in order once the init's PID exists (while the command waits), and
 * releases what was attached in reverse order, whatever happened. A resource
 * that outlives the launching process (a detached container's) is released
 * later from its record, by the releaser registered for its kind.
 */
export interface Resource {
  /** Makes what the container needs before it exists and returns the spec to run; a rejection stops the launch. */
  prepare?(spec: ContainerSpec): Promise<ContainerSpec> | ContainerSpec;
  /** Takes our end of a socket pair the supervisor holds until it ends (a detached network ends with it). */
  linkToSupervisor?(link: Stream): void;
  /** Called with the container's host PID while the command waits; a rejection aborts the start. */
  attach(pid: number): Promise<void>;
  /** Called once the command runs (poststart hooks, files no longer needed); must not throw. */
  started?(): Promise<void>;
  /** Called once the container has ended, also after a failed start; must not throw. */
  release(): Promise<void>;
  /** What a later releaser needs, at any moment from before prepare on; `kind` picks the releaser. */
  record(): ResourceRecord;
  /** The supervisor holds the container from now on: nothing of this process may end it. */
  handOver?(): void;
}

/** Where a releaser says what the person should know. */
export type Warn = (message: string) => void;

/**
 * Releases what a record describes; must not throw for what is already gone.
 * A releaser that knows better why the container ended (a cgroup that saw an
 * OOM kill) says so by returning that reason.
 */
export type ResourceReleaser = (record: ResourceRecord, warn: Warn) => Promise<ExitReason | void>;

const releasers = new Map<string, ResourceReleaser>();

/** Each resource kind registers how to release what it recorded (see launch/resources.ts). */
export function registerResourceReleaser(kind: string, releaser: ResourceReleaser): void {
  releasers.set(kind, releaser);
}

export interface Released {
  /** Records of kinds nobody registered here, kept for a later command. */
  left: ResourceRecord[];
  /** The reason a releaser gave, if any. */
  reason?: ExitReason;
}

function warnOnStderr(message: string): void {
  process.stderr.write(`ryouiki: warning: ${message}\n`);
}

const said = new Set<string>();

/** The default onWarning: each warning once per process on stderr (a plan and its id maps may both see the same fallback). */
export function warnOnceOnStderr(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  warnOnStderr(message);
}

/** Releases recorded resources, last attached first. */
export async function releaseRecorded(records: ResourceRecord[], warn: Warn = warnOnStderr): Promise<Released> {
  const released: Released = { left: [] };
  for (const record of [...records].reverse()) {
    const releaser = releasers.get(record.kind);
    if (releaser === undefined) {
      released.left.unshift(record);
      continue;
    }
    const reason = await releaser(record, warn);
    if (reason !== undefined) released.reason = reason;
  }
  return released;
}

/** Releases attached resources, last attached first; one that fails does not keep the others. */
export async function releaseAll(resources: Resource[]): Promise<void> {
  for (const resource of [...resources].reverse()) await resource.release().catch(() => undefined);
}
