import type { ExitReason, ResourceRecord } from './container-state.js';
import type { Stream } from 'node:stream';
import type { ContainerResource } from './run.js';
import type { ContainerSpec } from './spec.js';

/**
 * A resource of a detached container: attached by `start` like any
 * ContainerResource, but released later by another process (the supervisor's
 * exit command, or whichever ryouiki command first sees the container ended),
 * so it describes itself as a record that is kept in state.json.
 */
export interface DetachedResource extends ContainerResource {
  /** What a releaser needs, once attach has resolved; `kind` picks the releaser. */
  record(): ResourceRecord;
  /**
   * Takes, before attach, our end of a socket pair whose other end the
   * supervisor holds until it ends: a process given it (slirp4netns' exit fd)
   * ends with the supervisor. start() closes its own copy once attached.
   */
  linkToSupervisor?(link: Stream): void;
  /**
   * What to release should the start be cut short (ryouiki start killed)
   * before attach: kept in state.json from its first write, for cleanup.
   */
  recordBeforeAttach?(): ResourceRecord;
  /**
   * Makes what the container needs before it exists (a network's generated
   * files) and returns the spec to run, once state.json records
   * recordBeforeAttach(); may refuse, and then start() releases that record.
   */
  prepare?(spec: ContainerSpec): Promise<ContainerSpec>;
}

/**
 * Releases what a record describes; must not throw for what is already gone.
 * A releaser that knows better why the container ended (a cgroup that saw an
 * OOM kill) says so by returning that reason.
 */
export type ResourceReleaser = (record: ResourceRecord) => Promise<ExitReason | void>;

const releasers = new Map<string, ResourceReleaser>();

/** Networking and cgroups register how to release what they recorded. */
export function registerResourceReleaser(kind: string, releaser: ResourceReleaser): void {
  releasers.set(kind, releaser);
}

export interface Released {
  /** Records of kinds nobody registered here, kept for a later command. */
  left: ResourceRecord[];
  /** The reason a releaser gave, if any. */
  reason?: ExitReason;
}

/** Releases recorded resources, last attached first. */
export async function releaseRecorded(records: ResourceRecord[]): Promise<Released> {
  const released: Released = { left: [] };
  for (const record of [...records].reverse()) {
    const releaser = releasers.get(record.kind);
    if (releaser === undefined) {
      released.left.unshift(record);
      continue;
    }
    const reason = await releaser(record);
    if (reason !== undefined) released.reason = reason;
  }
  return released;
}
