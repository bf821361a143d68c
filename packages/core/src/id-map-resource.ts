import { needsExternalIdMaps, writeIdMaps } from './id-map.js';
import type { ContainerResource } from './run.js';
import type { ContainerSpec } from './spec.js';

let warnedOnStderr = false;

/** Says a warning once per process on stderr, as the CLI wants it. */
export function warnOnceOnStderr(message: string): void {
  if (warnedOnStderr) return;
  warnedOnStderr = true;
  process.stderr.write(`ryouiki: warning: ${message}\n`);
}

/**
 * The full id maps as the first resource: written with newuidmap/newgidmap
 * while the helper waits on its block fd, before anything else joins the
 * container's user namespace.
 */
export function idMapResources(spec: ContainerSpec, warn: (message: string) => void = warnOnceOnStderr): ContainerResource[] {
  const { uidMappings, gidMappings } = spec.linux;
  if (!needsExternalIdMaps(uidMappings) || uidMappings === undefined || gidMappings === undefined) return [];
  return [
    {
      attach: (pid) => writeIdMaps(pid, uidMappings, gidMappings, spec.linux.idMapsAreDefault === true ? warn : undefined),
      release: async () => undefined,
    },
  ];
}
