import { removeContainerFiles } from './container-dir.js';
import type { ContainerSetup } from './container-setup.js';
import type { ResourceRecord } from './container-state.js';
import { registerResourceReleaser, type DetachedResource } from './detached-resources.js';

const FILES = 'container-files';
const ID_MAP = 'id-map';

/**
 * The isolation setup of a detached container as resources whose release is
 * recorded: its files (overlay layer, generated /etc files, seccomp rules)
 * outlive ryouiki start and go when the container's end is recorded; the id
 * maps die with the user namespace and need nothing.
 */
export function detachedSetup(setup: ContainerSetup): DetachedResource[] {
  const files: DetachedResource = {
    attach: async () => undefined,
    release: async () => setup.cleanup(),
    record: () => containerFilesRecord(setup.files.dir),
  };
  const idMaps = setup.resources.map((resource): DetachedResource => ({
    attach: (pid) => resource.attach(pid),
    release: () => resource.release(),
    record: () => ({ kind: ID_MAP }),
  }));
  return [files, ...idMaps];
}

/** Recorded from the moment the container exists, so that a start killed half-way still has its files released. */
export function containerFilesRecord(dir: string): ResourceRecord {
  return { kind: FILES, dir };
}

registerResourceReleaser(FILES, async (record) => removeContainerFiles({ dir: String(record.dir), mounts: [] }));
registerResourceReleaser(ID_MAP, async () => undefined);
