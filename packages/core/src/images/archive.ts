/**
 * Images from files: `ryouiki load` of a docker-archive (docker save, podman
 * save), an oci-archive (podman save --format oci-archive) or an OCI layout
 * folder; `ryouiki import` of a plain rootfs tarball; `ryouiki save` as an
 * oci-archive.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { RyouikiError } from '../errors.js';
import type { StoreOptions } from '../store/paths.js';
import { imageConfig, requireImage } from './images.js';
import { ingestImage } from './ingest.js';
import { hostPlatform, isIndex, OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_MANIFEST, parseJson, selectPlatform, type Descriptor, type ImageConfig, type ImageIndexManifest } from './manifest.js';
import { formatReference, localImageName, parseReference } from './reference.js';
import { DIGEST_PATTERN, ImageStore, sha256Digest, type ImageRecord } from './store.js';
import { decompressed, unpackLayer } from './unpack.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

function invalid(file: string, why: string): RyouikiError {
  return new RyouikiError('IMAGE_ARCHIVE_INVALID', `${file}: ${why}: give a docker-archive, an oci-archive or an OCI layout folder`);
}

/** An archive's files, by their name in the archive: regular files copied out under numbered names, symlinks resolved. */
class ArchiveFiles {
  private readonly files = new Map<string, string>();

  constructor(private readonly dir: string) {}

  static async extract(file: string, dir: string): Promise<ArchiveFiles> {
    const archive = new ArchiveFiles(dir);
    mkdirSync(dir, { mode: 0o700 });
    const links = new Map<string, string>();
    const extract = tar.extract();
    const parsing = pipeline(decompressed(createReadStream(file)), extract);
    parsing.catch(() => undefined); // reaches the loop through extract
    let count = 0;
    for await (const entry of extract) {
      const name = posix
        .normalize(entry.header.name)
        .replace(/^(\.\/)+/, '')
        .replace(/\/$/, '');
      if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        const path = join(dir, String(count++));
        await pipeline(entry, createWriteStream(path, { mode: 0o600 }));
        archive.files.set(name, path);
        continue;
      }
      if (entry.header.type === 'symlink') links.set(name, posix.normalize(posix.join(posix.dirname(name), entry.header.linkname ?? '')));
      entry.resume();
    }
    await parsing;
    for (const [name, target] of links) {
      const path = archive.files.get(target);
      if (path !== undefined) archive.files.set(name, path);
    }
    return archive;
  }

  static folder(dir: string): ArchiveFiles {
    return new ArchiveFiles(dir);
  }

  /** The path of a file of the archive, or (for a folder) in it; undefined when absent. */
  path(name: string): string | undefined {
    if (this.files.size > 0 || !existsSync(join(this.dir, 'oci-layout'))) return this.files.get(name);
    if (name.split('/').includes('..')) return undefined;
    const path = join(this.dir, name);
    return existsSync(path) ? path : undefined;
  }

  read(name: string, file: string): Buffer {
    const path = this.path(name);
    if (path === undefined) throw invalid(file, `it has no ${name}`);
    return readFileSync(path);
  }

  open(name: string, file: string): Readable {
    const path = this.path(name);
    if (path === undefined) throw invalid(file, `it has no ${name}`);
    return createReadStream(path);
  }
}

function blobName(digest: string): string {
  const match = DIGEST_PATTERN.exec(digest);
  if (match?.[1] === undefined) throw new RyouikiError('IMAGE_ARCHIVE_INVALID', `${digest}: not a sha256 digest`);
  return `blobs/sha256/${match[1]}`;
}

/** A name as the store keeps it: short names qualified as podman does (`busybox` is docker.io/library/busybox:latest). */
function storeName(name: string): string {
  return formatReference(parseReference(name));
}

async function loadOci(files: ArchiveFiles, file: string, store: ImageStore, onProgress?: (message: string) => void): Promise<ImageRecord[]> {
  const index = parseJson<ImageIndexManifest>(files.read('index.json', file), `${file}: index.json`);
  const loaded: ImageRecord[] = [];
  for (const descriptor of index.manifests ?? []) {
    let manifestDescriptor: Descriptor = descriptor;
    let manifest = files.read(blobName(descriptor.digest), file);
    if (isIndex(descriptor.mediaType, parseJson<{ manifests?: unknown }>(manifest, `${file}: a manifest`))) {
      manifestDescriptor = selectPlatform(parseJson<ImageIndexManifest>(manifest, file), file);
      manifest = files.read(blobName(manifestDescriptor.digest), file);
    }
    if (sha256Digest(manifest) !== manifestDescriptor.digest) throw new RyouikiError('IMAGE_DIGEST_MISMATCH', `${file}: manifest ${manifestDescriptor.digest} does not have that digest: refused`);
    const configDigest = parseJson<{ config: Descriptor }>(manifest, file).config.digest;
    const refName = descriptor.annotations?.[REF_NAME];
    // skopeo writes a bare tag as the ref name, podman a full name: only a full name names the image
    const names = refName === undefined || !(refName.includes(':') || refName.includes('/')) ? [] : [storeName(refName)];
    loaded.push(
      await ingestImage(
        store,
        {
          manifest,
          manifestMediaType: manifestDescriptor.mediaType,
          config: files.read(blobName(configDigest), file),
          openBlob: async (layer) => files.open(blobName(layer.digest), file),
          onProgress,
        },
        names,
      ),
    );
  }
  return loaded;
}

export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function loadDocker(files: ArchiveFiles, file: string, store: ImageStore, onProgress?: (message: string) => void): Promise<ImageRecord[]> {
  const entries = parseJson<DockerArchiveEntry[]>(files.read('manifest.json', file), `${file}: manifest.json`);
  const loaded: ImageRecord[] = [];
  for (const entry of entries) {
    const config = files.read(entry.Config, file);
    const layers: Descriptor[] = [];
    for (const layer of entry.Layers) {
      const path = files.path(layer);
      if (path === undefined) throw invalid(file, `it has no ${layer}`);
      layers.push({ mediaType: OCI_LAYER, digest: await fileDigest(path), size: statSync(path).size, annotations: { file: layer } });
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length },
        layers: layers.map(({ annotations: _file, ...layer }) => layer),
      }),
    );
    const byDigest = new Map(layers.map((layer) => [layer.digest, layer.annotations?.file ?? '']));
    loaded.push(
      await ingestImage(
        store,
        {
          manifest,
          manifestMediaType: OCI_MANIFEST,
          config,
          openBlob: async (layer) => files.open(byDigest.get(layer.digest) ?? '', file),
          onProgress,
        },
        (entry.RepoTags ?? []).map(storeName),
      ),
    );
  }
  return loaded;
}

/** `ryouiki load -i FILE`: every image of the archive or layout folder. */
export async function loadImages(file: string, options: StoreOptions & { onProgress?: (message: string) => void } = {}): Promise<ImageRecord[]> {
  if (!existsSync(file)) throw new RyouikiError('IMAGE_ARCHIVE_INVALID', `${file} does not exist: give load -i an archive of docker save or podman save`);
  const store = new ImageStore(options);
  store.prepare();
  const tmp = store.tmpPath('archive');
  try {
    const files = statSync(file).isDirectory() ? ArchiveFiles.folder(file) : await ArchiveFiles.extract(file, tmp);
    if (files.path('manifest.json') !== undefined) return await loadDocker(files, file, store, options.onProgress);
    if (files.path('index.json') !== undefined) return await loadOci(files, file, store, options.onProgress);
    throw invalid(file, 'it has neither manifest.json (docker-archive) nor index.json (OCI layout)');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function layerMediaType(path: string): string {
  const head = readFileSync(path).subarray(0, 4);
  if (head[0] === 0x1f && head[1] === 0x8b) return OCI_LAYER_GZIP;
  if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528) return `${OCI_LAYER}+zstd`;
  return OCI_LAYER;
}

/** `ryouiki import TARBALL NAME`: a plain rootfs tarball as a one-layer image, named localhost/NAME as podman does. */
export async function importTarball(tarball: string, name: string, options: StoreOptions = {}): Promise<ImageRecord> {
  if (!existsSync(tarball) || statSync(tarball).isDirectory()) throw new RyouikiError('IMAGE_ARCHIVE_INVALID', `${tarball}: not a file: give import a rootfs tarball (tar, tar.gz or tar.zst)`);
  const store = new ImageStore(options);
  store.prepare();
  const digest = await fileDigest(tarball);
  const size = statSync(tarball).size;
  await store.writeBlob(createReadStream(tarball), { digest, size }, tarball);
  const tmp = store.tmpPath('layer');
  const { diffId } = await unpackLayer(createReadStream(tarball), tmp);
  await store.commitLayer(tmp, diffId);
  const platform = hostPlatform();
  const config = Buffer.from(
    JSON.stringify({
      created: new Date().toISOString(),
      architecture: platform.architecture,
      os: platform.os,
      config: {},
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: new Date().toISOString(), created_by: `ryouiki import ${tarball}` }],
    } satisfies ImageConfig),
  );
  const manifest = ociManifest(config, [{ mediaType: layerMediaType(tarball), digest, size }]);
  return ingestImage(store, { manifest, manifestMediaType: OCI_MANIFEST, config, openBlob: async () => createReadStream(tarball) }, [localImageName(name)]);
}

/** An OCI image manifest of a config and its layers, as the bytes whose digest names it. */
export function ociManifest(config: Buffer, layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length },
      layers,
    }),
  );
}

async function addFile(pack: tar.Pack, name: string, data: Buffer | string, size?: number): Promise<void> {
  if (typeof data === 'string') {
    const entry = pack.entry({ name, size, mode: 0o644 });
    await pipeline(createReadStream(data), entry);
    return;
  }
  pack.entry({ name, mode: 0o644 }, data);
}

/** `ryouiki save -o FILE IMAGE`: the image as an oci-archive, named as it is in the store. */
export async function saveImage(text: string, output: string, options: StoreOptions = {}): Promise<void> {
  const store = new ImageStore(options);
  const image = requireImage(store, text);
  imageConfig(store, image);
  const missing = image.layers.find((layer) => !store.hasBlob(layer.digest));
  if (missing !== undefined) throw new RyouikiError('IMAGE_NOT_FOUND', `${text}: the store no longer has layer blob ${missing.digest}: pull the image again`);
  const name = image.names.find((candidate) => candidate.endsWith(text)) ?? image.names[0];
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: image.manifestMediaType, digest: image.digest, size: store.readBlob(image.digest).length, ...(name === undefined ? {} : { annotations: { [REF_NAME]: name } }) }],
  };
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(output, { mode: 0o644 }));
  try {
    await addFile(pack, 'oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await addFile(pack, 'index.json', Buffer.from(JSON.stringify(index)));
    await addFile(pack, blobName(image.digest), store.readBlob(image.digest));
    await addFile(pack, blobName(image.config.digest), store.readBlob(image.config.digest));
    for (const layer of image.layers) await addFile(pack, blobName(layer.digest), store.blobPath(layer.digest), statSync(store.blobPath(layer.digest)).size);
    pack.finalize();
    await writing;
  } catch (error) {
    pack.destroy();
    rmSync(output, { force: true });
    throw error;
  }
}
