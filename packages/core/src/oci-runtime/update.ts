import { join } from 'node:path';
import type { CgroupFolder } from '../cgroup/cgroup-control.js';
import { controllerName, v1Writes, v2Writes, type CgroupWrite, type RequiredController } from '../cgroup/cgroup-limits.js';
import { writeCgroupFile } from '../cgroup/cgroup-resources.js';
import { detectCgroups } from '../cgroup/cgroup-system.js';
import { withoutV1Only } from '../cgroup/cgroup.js';
import { RyouikiError } from '../errors.js';
import { translateResources } from '../oci/linux.js';
import { OciReader } from '../oci/reader.js';
import { isFrozen } from './freezer.js';
import { ociRoot, readRecord, recordStatus, type OciStoreOptions } from './store.js';

function parseResources(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RyouikiError('USAGE', `--resources: not JSON (the runtime-spec's LinuxResources): ${(error as Error).message}`);
  }
}

function folderWrites(folder: CgroupFolder, writes: CgroupWrite[]): void {
  for (const write of writes.filter((item) => folder.controllers.includes(item.controller))) {
    try {
      writeCgroupFile(folder.dir, write);
    } catch (error) {
      throw new RyouikiError('CGROUP_FAILED', `update: cannot write ${write.value} to ${join(folder.dir, write.file)}: ${(error as Error).message}`);
    }
  }
}

/**
 * OCI update (runc's `update --resources FILE|-`): the LinuxResources JSON
 * applied to the container's cgroup, each limit by the hierarchy that holds
 * its controller; a limit no folder can take is refused, as at create.
 * Returns the warnings for what was left out, as at create.
 */
export function ociUpdate(id: string, resourcesJson: string, options: OciStoreOptions = {}): string[] {
  const root = ociRoot(options);
  const record = readRecord(root, id);
  const status = recordStatus(root, record, isFrozen);
  if (status === 'stopped') throw new RyouikiError('CONTAINER_NOT_RUNNING', `cannot update container ${id}: container not running (it has stopped)`);
  const reader = new OciReader('--resources');
  const resources = translateResources(parseResources(resourcesJson), reader);
  if (reader.unsupported.length > 0) throw new RyouikiError('OCI_UNSUPPORTED', `--resources: ${reader.unsupported.join(', ')} not supported by ryouiki`);
  if (resources === undefined) return [];
  const folders = record.resources.filter((resource) => resource.kind === 'cgroup').flatMap((resource) => (resource.folders ?? []) as CgroupFolder[]);
  const { required, warnings } = withoutV1Only(resources, detectCgroups());
  const takes = (folder: CgroupFolder, limit: RequiredController): boolean =>
    folder.controllers.includes(controllerName(limit.controller, folder.version)) && (limit.v1Only !== true || folder.version === 1);
  const missing = required.filter((limit) => !folders.some((folder) => takes(folder, limit)));
  if (missing.length > 0)
    throw new RyouikiError(
      'CGROUP_UNAVAILABLE',
      `cannot update container ${id}: its cgroup has no ${[...new Set(missing.map((limit) => limit.controller))].join(', ')} controller for ${missing.map((limit) => limit.flag).join(', ')}`,
    );
  for (const folder of folders) folderWrites(folder, folder.version === 2 ? v2Writes(resources) : v1Writes(resources));
  return warnings;
}
