/** OCI and Docker schema 2 manifests, indexes and image configs: the fields Ryouiki reads. */
import { arch } from 'node:process';
import { RyouikiError } from '../errors.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndexManifest {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The image config's runtime defaults (OCI image-spec `config`). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Volumes?: Record<string, object>;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  config?: ImageRuntimeConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; author?: string; empty_layer?: boolean; comment?: string }[];
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export function isIndex(mediaType: string, parsed: { manifests?: unknown }): boolean {
  return INDEX_TYPES.includes(mediaType) || (mediaType === '' && Array.isArray(parsed.manifests));
}

/** This machine as an image platform: GOARCH names, as the image-spec uses. */
export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: names[arch] ?? arch, ...(arch === 'arm64' ? { variant: 'v8' } : {}) };
}

/** The index's manifest for this machine (a variant-less entry matches any variant). */
export function selectPlatform(index: ImageIndexManifest, what: string): Descriptor {
  const host = hostPlatform();
  const candidates = index.manifests.filter((entry) => entry.platform?.os === host.os && entry.platform.architecture === host.architecture);
  const chosen = candidates.find((entry) => entry.platform?.variant === host.variant) ?? candidates.find((entry) => entry.platform?.variant === undefined) ?? candidates[0];
  if (chosen === undefined) {
    const offered = index.manifests.map((entry) => `${entry.platform?.os ?? '?'}/${entry.platform?.architecture ?? '?'}`).join(', ');
    throw new RyouikiError('IMAGE_NOT_FOUND', `${what}: no image for ${host.os}/${host.architecture} (it has ${offered || 'none'})`);
  }
  return chosen;
}

export function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    throw new RyouikiError('IMAGE_PULL_FAILED', `${what} is not JSON: the registry or archive is damaged`);
  }
}

export function checkManifest(manifest: Manifest, what: string): Manifest {
  if (manifest.schemaVersion !== 2 || typeof manifest.config?.digest !== 'string' || !Array.isArray(manifest.layers)) {
    throw new RyouikiError('IMAGE_PULL_FAILED', `${what}: not a schema 2 image manifest (schema 1 images are not supported)`);
  }
  return manifest;
}

export function checkConfig(config: ImageConfig, layers: number, what: string): ImageConfig {
  if (!Array.isArray(config.rootfs?.diff_ids) || config.rootfs.diff_ids.length !== layers) {
    throw new RyouikiError('IMAGE_PULL_FAILED', `${what}: the config lists ${config.rootfs?.diff_ids?.length ?? 0} layers where the manifest has ${layers}`);
  }
  return config;
}
