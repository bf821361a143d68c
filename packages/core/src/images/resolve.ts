/**
 * The one step from an image reference to what a container runs on: the
 * image's unpacked layers (the overlay's lower folders, top first) and the
 * defaults its config gives. `run IMAGE`, `tenkai --image` and `start --image`
 * all come through resolveImage (or ensureImage, which pulls a missing image first).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreOptions } from '../store/paths.js';
import { findImage, imageConfig, requireImage } from './images.js';
import { pull, type PullOptions } from './pull.js';
import { ImageStore } from './store.js';

export interface ImageDefaults {
  entrypoint: string[];
  cmd: string[];
  /** KEY=VALUE, before the container's own. */
  env: string[];
  workingDir?: string;
  /** `UID[:GID]` or `NAME[:GROUP]`, as --user takes it. */
  user?: string;
  /** `80/tcp`, `53/udp`: what -P publishes. */
  exposedPorts: string[];
  stopSignal?: string;
  labels: Record<string, string>;
}

export interface ResolvedImage {
  /** The image id (its config digest). */
  id: string;
  /** The name it was asked by, as the store has it (`docker.io/library/alpine:latest`), else its id. */
  name: string;
  /** The unpacked layers, top first: the overlay's lowerdir. */
  lowerDirs: string[];
  defaults: ImageDefaults;
}

/** The image's layers and config defaults; throws IMAGE_NOT_FOUND when the store lacks it. */
export function resolveImage(text: string, options: StoreOptions = {}): ResolvedImage {
  const store = new ImageStore(options);
  const image = requireImage(store, text);
  const config = imageConfig(store, image).config ?? {};
  const lowerDirs = image.layers.map((layer) => store.layerPath(layer.diffId)).reverse();
  if (lowerDirs.length === 0) {
    // An image of no layers still needs one lower folder: an empty one.
    const empty = join(store.dir, 'empty');
    if (!existsSync(empty)) mkdirSync(empty, { recursive: true, mode: 0o755 });
    lowerDirs.push(empty);
  }
  return {
    id: image.id,
    name: image.names.find((name) => name.endsWith(text.includes(':') ? text : `${text}:latest`)) ?? image.names[0] ?? image.id,
    lowerDirs,
    defaults: {
      entrypoint: config.Entrypoint ?? [],
      cmd: config.Cmd ?? [],
      env: config.Env ?? [],
      workingDir: config.WorkingDir === '' ? undefined : config.WorkingDir,
      user: config.User === '' ? undefined : config.User,
      exposedPorts: Object.keys(config.ExposedPorts ?? {}),
      stopSignal: config.StopSignal,
      labels: config.Labels ?? {},
    },
  };
}

/** As resolveImage, pulling the image first when the store lacks it (podman's default pull policy, missing). */
export async function ensureImage(text: string, options: PullOptions = {}): Promise<ResolvedImage> {
  if (findImage(new ImageStore(options), text) === undefined) await pull(text, options);
  return resolveImage(text, options);
}
