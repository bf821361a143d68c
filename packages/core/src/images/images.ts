/** The store's images as a person names them: list, find, tag, remove, prune, inspect. */
import { statSync } from 'node:fs';
import { RyouikiError } from '../errors.js';
import type { StoreOptions } from '../store/paths.js';
import type { ImageConfig } from './manifest.js';
import { formatReference, localCandidates, parseReference } from './reference.js';
import { ImageStore, type ImageRecord } from './store.js';

export interface ImageSummary {
  /** `docker.io/library/alpine`, or `<none>`. */
  repository: string;
  tag: string;
  /** The config digest's first 12 hex digits, as podman shows it. */
  id: string;
  fullId: string;
  digest: string;
  /** The config's `created`. */
  created?: string;
  /** The layers' blob sizes, summed (podman shows the unpacked size; this is what was pulled). */
  size: number;
  names: string[];
}

function splitName(name: string): { repository: string; tag: string } {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) } : { repository: name, tag: '<none>' };
}

export function imageConfig(store: ImageStore, image: ImageRecord): ImageConfig {
  return JSON.parse(store.readBlob(image.config.digest).toString('utf8')) as ImageConfig;
}

function blobSize(store: ImageStore, digest: string): number {
  try {
    return statSync(store.blobPath(digest)).size;
  } catch {
    return 0;
  }
}

/** One row per name (podman images), an untagged image once. */
export function images(options: StoreOptions = {}): ImageSummary[] {
  const store = new ImageStore(options);
  return store.images().flatMap((image) => {
    const common = {
      id: image.id.slice(7, 19),
      fullId: image.id,
      digest: image.digest,
      created: imageConfig(store, image).created,
      size: image.layers.reduce((sum, layer) => sum + (layer.size || blobSize(store, layer.digest)), 0),
      names: image.names,
    };
    const names = image.names.length === 0 ? ['<none>'] : image.names;
    return names.map((name) => ({ ...common, ...splitName(name) }));
  });
}

function matchesId(image: ImageRecord, text: string): boolean {
  const hex = text.startsWith('sha256:') ? text.slice(7) : text;
  return /^[a-f0-9]{3,64}$/.test(hex) && image.id.slice(7).startsWith(hex);
}

/** The stored image a name, short name, `NAME@DIGEST` or (short) id stands for; undefined when none. */
export function findImage(store: ImageStore, text: string): ImageRecord | undefined {
  const all = store.images();
  const byId = all.filter((image) => matchesId(image, text));
  if (byId.length === 1) return byId[0];
  if (byId.length > 1) throw new RyouikiError('IMAGE_NOT_FOUND', `${text}: more than one image id starts so: give more of it`);
  let candidates: string[];
  try {
    candidates = localCandidates(text);
  } catch {
    return undefined;
  }
  const reference = parseReference(text);
  if (reference.digest !== undefined) {
    const repository = formatReference({ ...reference, tag: undefined, digest: undefined }).replace(/:latest$/, '');
    return all.find((image) => image.digest === reference.digest && (image.names.length === 0 || image.names.some((name) => name.startsWith(`${repository}:`))));
  }
  for (const candidate of candidates) {
    const found = all.find((image) => image.names.includes(candidate));
    if (found !== undefined) return found;
  }
  return undefined;
}

export function requireImage(store: ImageStore, text: string): ImageRecord {
  const image = findImage(store, text);
  if (image === undefined) throw new RyouikiError('IMAGE_NOT_FOUND', `${text}: no such image in the store: ryouiki pull ${text}, or see ryouiki images`);
  return image;
}

/** `ryouiki tag SOURCE TARGET`: one more name for an image. */
export async function tagImage(source: string, target: string, options: StoreOptions = {}): Promise<void> {
  const store = new ImageStore(options);
  const image = requireImage(store, source);
  const parsed = parseReference(target);
  const name = formatReference(target.includes('/') ? parsed : { ...parsed, registry: 'localhost', repository: target.split(':')[0] ?? target });
  await store.update((all) => {
    for (const other of all) other.names = other.names.filter((existing) => existing !== name);
    const record = all.find((candidate) => candidate.id === image.id);
    record?.names.push(name);
  });
}

export interface RemoveImageOptions extends StoreOptions {
  /** Ids of images containers use (the caller knows the containers); removing those is refused. */
  inUse?: Set<string>;
}

/**
 * `ryouiki rmi NAME`: removes the name; the image goes with its last name (or
 * when given by id), and then the layers no other image has.
 */
export async function removeImage(text: string, options: RemoveImageOptions = {}): Promise<{ untagged: string[]; deleted?: string }> {
  const store = new ImageStore(options);
  const image = requireImage(store, text);
  const byId = matchesId(image, text);
  const candidates = byId ? [] : localCandidates(text);
  const untagged = byId ? image.names : image.names.filter((name) => candidates.includes(name));
  const remaining = image.names.filter((name) => !untagged.includes(name));
  if (remaining.length === 0 && options.inUse?.has(image.id) === true) {
    throw new RyouikiError('IMAGE_IN_USE', `${text}: a container uses image ${image.id.slice(7, 19)}: remove the container first (ryouiki rm)`);
  }
  await store.update((all) => {
    const index = all.findIndex((candidate) => candidate.id === image.id);
    const record = all[index];
    if (record === undefined) return;
    record.names = remaining;
    if (remaining.length === 0) all.splice(index, 1);
  });
  if (remaining.length > 0) return { untagged };
  await store.removeUnreferenced();
  return { untagged, deleted: image.id };
}

/** `ryouiki image prune`: the images without a name (and, with all, every image no container uses). */
export async function pruneImages(options: RemoveImageOptions & { all?: boolean } = {}): Promise<string[]> {
  const store = new ImageStore(options);
  const removed = await store.update((all) => {
    const gone = all.filter((image) => (options.all === true || image.names.length === 0) && options.inUse?.has(image.id) !== true);
    for (const image of gone) all.splice(all.indexOf(image), 1);
    return gone.map((image) => image.id);
  });
  await store.removeUnreferenced();
  return removed;
}

export interface ImageInspection {
  Id: string;
  Digest: string;
  RepoTags: string[];
  Created?: string;
  Author?: string;
  /** The comment of the last history entry (commit -m). */
  Comment?: string;
  Architecture?: string;
  Os?: string;
  Config: ImageConfig['config'];
  RootFS: ImageConfig['rootfs'];
  Layers: { digest: string; diffId: string; mediaType: string; size: number }[];
  ManifestMediaType: string;
}

export function inspectImage(text: string, options: StoreOptions = {}): ImageInspection {
  const store = new ImageStore(options);
  const image = requireImage(store, text);
  const config = imageConfig(store, image);
  return {
    Id: image.id,
    Digest: image.digest,
    RepoTags: image.names,
    Created: config.created,
    Author: config.author,
    Comment: config.history?.at(-1)?.comment,
    Architecture: config.architecture,
    Os: config.os,
    Config: config.config ?? {},
    RootFS: config.rootfs,
    Layers: image.layers,
    ManifestMediaType: image.manifestMediaType,
  };
}
