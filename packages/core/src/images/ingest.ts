/**
 * Putting one image into the store, whatever it comes from (a registry, an
 * archive, a tarball): its manifest and config as blobs, each layer blob
 * checked as it streams, each layer unpacked once, then the index entry.
 */
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { RyouikiError } from '../errors.js';
import { warnOnceOnStderr } from '../launch/resource.js';
import { checkConfig, checkManifest, parseJson, type Descriptor, type ImageConfig, type Manifest } from './manifest.js';
import { sha256Digest, verifyingStream, type ImageRecord, type ImageStore, type LayerRecord } from './store.js';
import { unpackLayer, type UnpackResult } from './unpack.js';

export interface ImageSource {
  manifest: Buffer;
  manifestMediaType: string;
  config: Buffer;
  /** The blob's bytes, as the source has them. */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  /** Where to say what is happening (a pull's progress). */
  onProgress?: (message: string) => void;
}

const PARALLEL_LAYERS = 3;

/**
 * Downloads a layer blob and unpacks it in one pass: the bytes go to the blob
 * file and to the unpacker as they arrive, checked as they stream; a bad
 * digest fails both, and neither is kept.
 */
async function fetchAndUnpack(store: ImageStore, source: ImageSource, layer: Descriptor, diffId: string, tmp: string): Promise<UnpackResult> {
  source.onProgress?.(`Copying blob ${layer.digest.slice(7, 19)}`);
  const input = await source.openBlob(layer);
  const verified = verifyingStream({ digest: layer.digest, size: layer.size }, `layer ${layer.digest}`);
  const toUnpacker = new PassThrough();
  const tmpBlob = store.tmpPath('blob');
  verified.on('error', (error) => toUnpacker.destroy(error));
  // the unpacker may be done with it already; the error reaches the caller through writing
  toUnpacker.on('error', () => undefined);
  const writing = pipeline(input, verified, createWriteStream(tmpBlob, { mode: 0o600 }));
  verified.pipe(toUnpacker);
  // A refused layer still downloads to its end, so that a wrong byte is reported as the digest mismatch it is.
  const unpacking = unpackLayer(toUnpacker, tmp, diffId).catch((error: unknown) => {
    verified.unpipe(toUnpacker);
    toUnpacker.resume();
    throw error;
  });
  const [written, unpacked] = await Promise.allSettled([writing, unpacking]);
  if (written.status === 'fulfilled' && unpacked.status === 'fulfilled') {
    renameSync(tmpBlob, store.blobPath(layer.digest));
    return unpacked.value;
  }
  input.destroy();
  rmSync(tmpBlob, { force: true });
  throw written.status === 'rejected' ? written.reason : (unpacked as PromiseRejectedResult).reason;
}

async function storeLayer(store: ImageStore, source: ImageSource, layer: Descriptor, diffId: string): Promise<void> {
  if (store.hasLayer(diffId)) return;
  const tmp = store.tmpPath('layer');
  const result = store.hasBlob(layer.digest) ? await unpackLayer(createReadStream(store.blobPath(layer.digest)), tmp, diffId) : await fetchAndUnpack(store, source, layer, diffId, tmp);
  if (result.skippedDevices.length > 0) warnOnceOnStderr(`left out ${result.skippedDevices.length} device nodes of layer ${layer.digest.slice(7, 19)} (a rootless store cannot make them)`);
  await store.commitLayer(tmp, diffId);
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}

export async function ingestImage(store: ImageStore, source: ImageSource, names: string[]): Promise<ImageRecord> {
  store.prepare();
  await store.sweepAbandoned();
  const manifest = checkManifest(parseJson<Manifest>(source.manifest, 'the manifest'), 'the manifest');
  const configDigest = sha256Digest(source.config);
  if (configDigest !== manifest.config.digest) {
    throw new RyouikiError('IMAGE_DIGEST_MISMATCH', `the image config has digest ${configDigest}, not the manifest's ${manifest.config.digest}: refused`);
  }
  const config = checkConfig(parseJson<ImageConfig>(source.config, 'the image config'), manifest.layers.length, 'the image config');
  const digest = store.writeBlobBytes(source.manifest);
  store.writeBlobBytes(source.config);
  await inParallel(manifest.layers, PARALLEL_LAYERS, (layer, index) => storeLayer(store, source, layer, config.rootfs.diff_ids[index] ?? ''));
  const layers: LayerRecord[] = manifest.layers.map((layer, index) => ({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, diffId: config.rootfs.diff_ids[index] ?? '' }));
  return store.addImage({
    id: configDigest,
    names,
    digest,
    manifestMediaType: source.manifestMediaType,
    config: { digest: configDigest, mediaType: manifest.config.mediaType, size: source.config.length },
    layers,
    pulledAt: new Date().toISOString(),
  });
}
