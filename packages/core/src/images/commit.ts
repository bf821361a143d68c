/**
 * `ryouiki commit CONTAINER NAME`: a container's upper layer (what it wrote
 * over its image, while it runs or once it has ended) as one more layer on
 * that image's, under a new name.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { inspectContainer } from '../store/container-control.js';
import { keptOverlayDir, type ContainerState } from '../store/container-state.js';
import { storeDirs } from '../store/runtime-dir.js';
import { RyouikiError } from '../errors.js';
import type { StoreOptions } from '../store/paths.js';
import { fileDigest, ociManifest } from './archive.js';
import { imageConfig, requireImage } from './images.js';
import { applyChanges } from './commit-changes.js';
import { ingestImage } from './ingest.js';
import { OCI_LAYER, OCI_MANIFEST, type ImageConfig } from './manifest.js';
import { localImageName } from './reference.js';
import { ImageStore, type ImageRecord } from './store.js';
import { tarFolder } from './unpacker.js';

/** Mount points of the /etc files ryouiki binds over an image that lacks them: empty files of its making, not the container's. */
const GENERATED_MOUNT_POINTS = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf']);
const OPAQUE_XATTR = 'SCHILY.xattr.user.overlay.opaque';

/** The upper folder of the container's root overlay (a running one's, or the one a stopped container kept), and the image under it. */
function upperOf(state: ContainerState, query: string, options: StoreOptions): { upper: string; image: string } {
  const image = state.spec.root.image;
  if (image === undefined) throw new RyouikiError('USAGE', `container ${query} runs on a folder, not an image: commit takes a container of an image`);
  if (state.status === 'running') {
    const overlay = state.resources.find((record) => record.kind === 'root-overlay');
    if (typeof overlay?.dir !== 'string') throw new RyouikiError('STATE_DAMAGED', `container ${query} has no overlay on record`);
    return { upper: join(overlay.dir, 'upper'), image: image.id };
  }
  const kept = join(keptOverlayDir(storeDirs(options), state.id), 'upper');
  if (!existsSync(kept)) {
    throw new RyouikiError('CONTAINER_NOT_RUNNING', `container ${query} is ${state.status} and kept none of its writes (a container of --rm keeps none): commit it while it runs`);
  }
  return { upper: kept, image: image.id };
}

function entryName(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '');
}

/**
 * The overlay's own marks as the image-spec's: a whiteout (a character device
 * 0/0) becomes `.wh.NAME`, an opaque folder (its user.overlay.opaque xattr)
 * gets a `.wh..wh..opq` entry.
 */
async function toOciLayer(raw: string, layer: string): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const reading = pipeline(createReadStream(raw), extract);
  const writing = pipeline(pack, createWriteStream(layer, { mode: 0o600 }));
  for await (const item of extract) {
    const { header } = item;
    const name = entryName(header.name);
    const common = { mode: header.mode, uid: header.uid, gid: header.gid, mtime: header.mtime };
    if (name === '' || (header.type === 'file' && header.size === 0 && GENERATED_MOUNT_POINTS.has(name))) {
      item.resume();
      continue;
    }
    if (header.type === 'character-device' && header.devmajor === 0 && header.devminor === 0) {
      const slash = name.lastIndexOf('/');
      pack.entry({ ...common, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, type: 'file', size: 0 }, '');
      item.resume();
      continue;
    }
    const { pax: _pax, ...plain } = header;
    await pipeline(item, pack.entry({ ...plain, name: header.type === 'directory' ? `${name}/` : name }));
    if (header.type === 'directory' && (header.pax as Record<string, string> | undefined)?.[OPAQUE_XATTR] !== undefined)
      pack.entry({ ...common, name: `${name}/.wh..wh..opq`, type: 'file', size: 0 }, '');
  }
  await reading;
  pack.finalize();
  await writing;
}

export interface CommitOptions extends StoreOptions {
  onProgress?: (message: string) => void;
  /** Dockerfile instructions for the new config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL, VOLUME. */
  changes?: string[];
  /** The new history entry's comment (commit -m). */
  message?: string;
  /** The new image's author (commit --author). */
  author?: string;
}

/**
 * Commits a container of an image, running or stopped: its upper layer, read
 * inside a user namespace of the store's id map, becomes an uncompressed
 * layer on top of the image's, under NAME (localhost/NAME without a registry,
 * as podman). The config is the image's with the changes applied, its history
 * one entry longer.
 */
export async function commitContainer(query: string, name: string, options: CommitOptions = {}): Promise<ImageRecord> {
  const state = await inspectContainer(query, options);
  const { upper, image: baseId } = upperOf(state, query, options);
  const store = new ImageStore(options);
  store.prepare();
  const base = requireImage(store, baseId);
  const baseConfig = imageConfig(store, base);
  const runtimeConfig = applyChanges(baseConfig.config ?? {}, options.changes ?? []);
  const author = options.author ?? baseConfig.author;
  const work = store.tmpPath('commit');
  mkdirSync(work, { mode: 0o700 });
  try {
    const raw = join(work, 'upper.tar');
    const layer = join(work, 'layer.tar');
    await tarFolder(upper, raw);
    await toOciLayer(raw, layer);
    const diffId = await fileDigest(layer);
    const created = new Date().toISOString();
    const config = Buffer.from(
      JSON.stringify({
        ...baseConfig,
        created,
        ...(author === undefined ? {} : { author }),
        config: runtimeConfig,
        rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, diffId] },
        history: [
          ...(baseConfig.history ?? []),
          {
            created,
            created_by: `ryouiki commit ${state.name}`,
            ...(options.author === undefined ? {} : { author: options.author }),
            ...(options.message === undefined ? {} : { comment: options.message }),
          },
        ],
      } satisfies ImageConfig),
    );
    const manifest = ociManifest(config, [...base.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })), { mediaType: OCI_LAYER, digest: diffId, size: statSync(layer).size }]);
    const reference = localImageName(name);
    const openBlob = async ({ digest }: { digest: string }) => createReadStream(digest === diffId ? layer : store.blobPath(digest));
    return await ingestImage(store, { manifest, manifestMediaType: OCI_MANIFEST, config, openBlob, onProgress: options.onProgress }, [reference]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
