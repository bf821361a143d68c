/** ryouiki pull: an image from a registry into the store. */
import { RyouikiError } from '../errors.js';
import type { StoreOptions } from '../store/paths.js';
import { ingestImage } from './ingest.js';
import { isIndex, parseJson, selectPlatform, type ImageIndexManifest } from './manifest.js';
import { formatReference, parseReference } from './reference.js';
import { RegistryClient, type RegistryOptions } from './registry.js';
import { ImageStore, sha256Digest, type ImageRecord } from './store.js';

export interface PullOptions extends StoreOptions, RegistryOptions {
  onProgress?: (message: string) => void;
}

async function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The manifest by tag or digest, checked against the digest it was asked by. */
async function fetchManifest(client: RegistryClient, reference: string, what: string): Promise<{ body: Buffer; mediaType: string }> {
  const manifest = await client.manifest(reference);
  if (reference.startsWith('sha256:') && sha256Digest(manifest.body) !== reference) {
    throw new RyouikiError('IMAGE_DIGEST_MISMATCH', `${what}: the registry's manifest has digest ${sha256Digest(manifest.body)}, not ${reference}: refused`);
  }
  return manifest;
}

export async function pull(text: string, options: PullOptions = {}): Promise<ImageRecord> {
  const reference = parseReference(text);
  const what = formatReference(reference);
  const client = new RegistryClient(reference.registry, reference.repository, options);
  let manifest = await fetchManifest(client, reference.digest ?? reference.tag ?? 'latest', what);
  const parsed = parseJson<{ manifests?: unknown }>(manifest.body, `${what}: the manifest`);
  if (isIndex(manifest.mediaType, parsed)) {
    const chosen = selectPlatform(parsed as ImageIndexManifest, what);
    manifest = await fetchManifest(client, chosen.digest, what);
  }
  const stream = await client.blob(parseJson<{ config: { digest: string } }>(manifest.body, `${what}: the manifest`).config.digest);
  const config = await readBody(stream);
  options.onProgress?.(`Pulling ${what}`);
  const names = reference.tag === undefined ? [] : [formatReference({ ...reference, digest: undefined })];
  return ingestImage(
    new ImageStore(options),
    {
      manifest: manifest.body,
      manifestMediaType: manifest.mediaType,
      config,
      openBlob: (descriptor) => client.blob(descriptor.digest),
      onProgress: options.onProgress,
    },
    names,
  );
}
