/**
 * The image store under the data folder:
 *   images/blobs/sha256/HEX   manifests, configs and compressed layers, by digest
 *   images/layers/HEX         each layer unpacked once, by its diff id, shared by every image that has it
 *   images/tmp/               what a pull or load is writing now (KIND-PID-RANDOM); a dead writer's is swept
 *   images/images.json        the images: their names, manifest, config and layers
 * A blob or layer only gets its final name once its digest was checked, by a
 * rename, so nothing half-written is ever used and concurrent writers of the
 * same content both succeed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RyouikiError } from '../errors.js';
import { dataDir, type StoreOptions } from '../store/paths.js';
import { withLock } from '../store/state-lock.js';
import { removeLayerTree } from './unpacker.js';

export interface LayerRecord {
  /** The blob as the registry or archive gave it (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** The digest of the uncompressed tar: the unpacked layer's name. */
  diffId: string;
}

export interface ImageRecord {
  /** The config's digest, as podman's image id. */
  id: string;
  /** Full references (`docker.io/library/alpine:latest`). */
  names: string[];
  /** The manifest's digest (a blob in the store). */
  digest: string;
  manifestMediaType: string;
  config: { digest: string; mediaType: string; size: number };
  layers: LayerRecord[];
  /** When the store got it. */
  pulledAt: string;
}

interface ImageIndex {
  images: ImageRecord[];
}

export const DIGEST_PATTERN = /^sha256:([a-f0-9]{64})$/;

function hexOf(digest: string): string {
  const match = DIGEST_PATTERN.exec(digest);
  if (match?.[1] === undefined) throw new RyouikiError('IMAGE_DIGEST_MISMATCH', `${digest}: not a sha256 digest: only sha256 content is supported`);
  return match[1];
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Passes the bytes through, failing the stream when they end with another digest or size than expected. */
export function verifyingStream(expected: { digest: string; size?: number }, what: string): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (expected.size !== undefined && size > expected.size) {
        callback(new RyouikiError('IMAGE_DIGEST_MISMATCH', `${what}: more than the ${expected.size} bytes its manifest gives: refused`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected.size !== undefined && size !== expected.size) {
        callback(new RyouikiError('IMAGE_DIGEST_MISMATCH', `${what}: ${size} bytes where its manifest gives ${expected.size}: refused`));
      } else if (digest !== expected.digest) {
        callback(new RyouikiError('IMAGE_DIGEST_MISMATCH', `${what}: its content has digest ${digest}, not ${expected.digest}: refused`));
      } else callback();
    },
  });
}

function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ImageStore {
  readonly dir: string;

  constructor(options: StoreOptions = {}) {
    this.dir = join(dataDir(options), 'images');
  }

  private get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }

  layerPath(diffId: string): string {
    return join(this.dir, 'layers', hexOf(diffId));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  hasLayer(diffId: string): boolean {
    return existsSync(this.layerPath(diffId));
  }

  /** Makes the folders, and sweeps what writers that died left in tmp/. */
  prepare(): void {
    for (const sub of ['blobs/sha256', 'layers', 'tmp']) mkdirSync(join(this.dir, sub), { recursive: true, mode: 0o700 });
  }

  async sweepAbandoned(): Promise<void> {
    for (const name of readdirSync(this.tmpDir)) {
      const pid = Number(name.split('-')[1]);
      if (pid === process.pid || processExists(pid)) continue;
      if (name.startsWith('layer-')) await removeLayerTree(join(this.tmpDir, name));
      else rmSync(join(this.tmpDir, name), { force: true, recursive: true });
    }
  }

  tmpPath(kind: 'blob' | 'layer' | 'archive' | 'commit'): string {
    return join(this.tmpDir, `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Writes a stream as the blob `digest`, checked as it streams; nothing stays when the check fails. */
  async writeBlob(source: Readable, expected: { digest: string; size?: number }, what: string): Promise<string> {
    const final = this.blobPath(expected.digest);
    if (existsSync(final)) {
      source.resume();
      return final;
    }
    const tmp = this.tmpPath('blob');
    try {
      await pipeline(source, verifyingStream(expected, what), createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, final);
    } finally {
      rmSync(tmp, { force: true });
    }
    return final;
  }

  writeBlobBytes(data: Buffer, digest = sha256Digest(data)): string {
    if (sha256Digest(data) !== digest) throw new RyouikiError('IMAGE_DIGEST_MISMATCH', `a blob's content has digest ${sha256Digest(data)}, not ${digest}: refused`);
    const final = this.blobPath(digest);
    if (existsSync(final)) return digest;
    const tmp = this.tmpPath('blob');
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, final);
    return digest;
  }

  readBlob(digest: string): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  /** Gives a finished layer folder its name; another writer that got there first wins, ours goes. */
  async commitLayer(tmp: string, diffId: string): Promise<void> {
    try {
      renameSync(tmp, this.layerPath(diffId));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
      await removeLayerTree(tmp);
    }
  }

  private readIndex(): ImageIndex {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'images.json'), 'utf8')) as ImageIndex;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { images: [] };
      throw error;
    }
  }

  private writeIndex(index: ImageIndex): void {
    const tmp = this.tmpPath('blob');
    writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, join(this.dir, 'images.json'));
  }

  images(): ImageRecord[] {
    return this.readIndex().images;
  }

  /** Changes the index under the store's lock. */
  async update<T>(change: (images: ImageRecord[]) => T): Promise<T> {
    this.prepare();
    return withLock(this.dir, () => {
      const index = this.readIndex();
      const result = change(index.images);
      this.writeIndex(index);
      return result;
    });
  }

  /** Adds an image, moving each of its names off any image that had it. */
  async addImage(record: ImageRecord): Promise<ImageRecord> {
    return this.update((images) => {
      for (const image of images) image.names = image.names.filter((name) => !record.names.includes(name));
      const existing = images.find((image) => image.id === record.id);
      if (existing !== undefined) {
        existing.names = [...existing.names, ...record.names.filter((name) => !existing.names.includes(name))];
        return existing;
      }
      images.push(record);
      return record;
    });
  }

  /** Removes the blobs and layers no image refers to; their sizes, summed. */
  async removeUnreferenced(): Promise<number> {
    const images = this.images();
    const blobs = new Set(images.flatMap((image) => [image.digest, image.config.digest, ...image.layers.map((layer) => layer.digest)].map(hexOf)));
    const layers = new Set(images.flatMap((image) => image.layers.map((layer) => hexOf(layer.diffId))));
    let freed = 0;
    const blobDir = join(this.dir, 'blobs', 'sha256');
    for (const name of existsSync(blobDir) ? readdirSync(blobDir) : []) {
      if (blobs.has(name)) continue;
      freed += statSync(join(blobDir, name)).size;
      unlinkSync(join(blobDir, name));
    }
    const layerDir = join(this.dir, 'layers');
    for (const name of existsSync(layerDir) ? readdirSync(layerDir) : []) {
      if (!layers.has(name)) await removeLayerTree(join(layerDir, name));
    }
    return freed;
  }
}
