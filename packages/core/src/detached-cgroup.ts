import { cgroupStats, killCgroup, removeCgroups, type ContainerCgroups } from './cgroup-control.js';
import type { ContainerCgroup } from './cgroup.js';
import type { ResourceRecord } from './container-state.js';
import { registerResourceReleaser, type DetachedResource } from './detached-resources.js';

const KIND = 'cgroup';

/**
 * A detached container's cgroup: attached by start like a foreground one, and
 * released by whichever process records the container's end, from its record.
 */
export class DetachedCgroup implements DetachedResource {
  constructor(private readonly cgroup: ContainerCgroup) {}

  attach(pid: number): Promise<void> {
    return this.cgroup.attach(pid);
  }

  release(): Promise<void> {
    return this.cgroup.release();
  }

  record(): ResourceRecord {
    return { kind: KIND, ...this.cgroup.cgroups };
  }

  /** The planned folders: their release tolerates folders that were never made. */
  recordBeforeAttach(): ResourceRecord {
    return this.record();
  }
}

function recordedCgroups(record: ResourceRecord): ContainerCgroups {
  return { name: String(record.name), folders: (record.folders ?? []) as ContainerCgroups['folders'] };
}

/** Kills what is left in the cgroup (a process that escaped the init's tree), removes it, and tells an OOM kill. */
registerResourceReleaser(KIND, async (record) => {
  const cgroups = recordedCgroups(record);
  const oomKilled = (cgroupStats(cgroups).memory?.oomKills ?? 0) > 0;
  await killCgroup(cgroups).catch(() => undefined);
  await removeCgroups(cgroups);
  return oomKilled ? 'oom' : undefined;
});
