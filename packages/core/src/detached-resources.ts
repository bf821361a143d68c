import type { ResourceRecord } from './container-state.js';
import type { ContainerResource } from './run.js';

/**
 * A resource of a detached container: attached by `start` like any
 * ContainerResource, but released later by another process (the supervisor's
 * exit command, or whichever ryouiki command first sees the container ended),
 * so it describes itself as a record that is kept in state.json.
 */
export interface DetachedResource extends ContainerResource {
  /** What a releaser needs, once attach has resolved; `kind` picks the releaser. */
  record(): ResourceRecord;
}

export type ResourceReleaser = (record: ResourceRecord) => Promise<void>;

const releasers = new Map<string, ResourceReleaser>();

/** Networking and cgroups register how to release what they recorded; must not throw for what is already gone. */
export function registerResourceReleaser(kind: string, releaser: ResourceReleaser): void {
  releasers.set(kind, releaser);
}

/** Releases recorded resources, last attached first; a kind nobody registered is left for a later command. */
export async function releaseRecorded(records: ResourceRecord[]): Promise<ResourceRecord[]> {
  const left: ResourceRecord[] = [];
  for (const record of [...records].reverse()) {
    const releaser = releasers.get(record.kind);
    if (releaser === undefined) left.unshift(record);
    else await releaser(record);
  }
  return left;
}
