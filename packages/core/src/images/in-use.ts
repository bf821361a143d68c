/** The images the recorded containers are made of: rmi and image prune leave those. */
import { listContainerIds, readState } from '../store/container-state.js';
import type { StoreOptions } from '../store/paths.js';
import { storeDirs } from '../store/runtime-dir.js';

export function imagesInUse(options: StoreOptions = {}): Set<string> {
  const dirs = storeDirs(options);
  const ids = new Set<string>();
  for (const id of listContainerIds(dirs)) {
    const image = readState(dirs, id)?.spec.root.image;
    if (image !== undefined) ids.add(image.id);
  }
  return ids;
}
