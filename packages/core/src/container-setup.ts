import { createContainerFiles, removeContainerFiles, removeGeneratedFiles, type ContainerFiles } from './container-dir.js';
import { runtimeDir } from './runtime-dir.js';
import { idMapResources } from './id-map-resource.js';
import type { StoreOptions } from './paths.js';
import type { ContainerResource } from './run.js';
import type { ContainerSpec } from './spec.js';

/** What run() adds around the helper for isolation: the container's files, and the id maps as the first resource. */
export interface ContainerSetup {
  files: ContainerFiles;
  resources: ContainerResource[];
  /** Removes the container's files; call it once the helper has ended, whatever happened. */
  cleanup(): void;
  /**
   * Once the command runs, every mount is made and the files it was built from
   * can go (the mounts keep them alive): only an overlay's layer stays, so a
   * SIGKILL of ryouiki from then on leaves nothing else behind.
   */
  discardAfterStart(): void;
}

export function prepareContainer(spec: ContainerSpec, options: StoreOptions & { onWarning?: (message: string) => void }, id: string): ContainerSetup {
  const files = createContainerFiles(spec, runtimeDir(options), id);
  return {
    files,
    resources: idMapResources(spec, options.onWarning),
    cleanup: () => removeContainerFiles(files),
    discardAfterStart: () => (files.overlayDir === undefined ? removeContainerFiles(files) : removeGeneratedFiles(files)),
  };
}
