/**
 * Unpacking a layer: the tar is parsed here (tar-stream), each entry checked
 * and sent to ryouiki-unpack, which writes it inside a user namespace with the
 * user's full id map, so its owner is one of the container's ids, and resolves
 * every path beneath the layer through fds. gzip comes from zlib, zstd from
 * Debian's zstd program (Node 20's zlib has no zstd).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { RyouikiError } from '../errors.js';
import { verifyingStream } from './store.js';
import { removeLayerTree, startUnpacker, UNPACKER_PREFIX } from './unpacker.js';

const HEADER_SIZE = 40;
const BATCH_BYTES = 1 << 20;
/** zlib's output pieces: its default of 16 KiB makes a layer tens of thousands of small buffers. */
const GUNZIP_CHUNK = 1 << 18;
/** A layer of more entries than this is refused (a bomb of small files); RYOUIKI_LAYER_MAX_ENTRIES moves it. */
const DEFAULT_MAX_ENTRIES = 1_000_000;

type EntryType = 'd' | 'f' | 'l' | 'h' | 'w' | 'o' | 'p';

interface LayerEntry {
  type: EntryType;
  path: string;
  link: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
}

export interface UnpackResult {
  /** The uncompressed tar's digest. */
  diffId: string;
  /** Character and block devices, which no rootless writer can make: left out. */
  skippedDevices: string[];
}

function refused(path: string, why: string): RyouikiError {
  return new RyouikiError('IMAGE_LAYER_REFUSED', `layer entry ${path}: refused: ${why}`);
}

/** The entry's path relative to the layer root, or undefined for the root itself; climbing out is refused. */
export function layerPath(name: string): string | undefined {
  if (name.startsWith('/')) throw refused(name, 'an absolute path');
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw refused(name, 'it climbs out of the layer with ..');
  return parts.length === 0 ? undefined : parts.join('/');
}

/** What one tar header becomes: an entry to write, or undefined (the root, a device). */
export function layerEntry(header: tar.Header): LayerEntry | 'device' | undefined {
  const path = layerPath(header.name);
  if (path === undefined) return undefined;
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  const common = { link: '', mode: header.mode ?? 0o644, uid: header.uid ?? 0, gid: header.gid ?? 0, mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000), size: 0 };
  if (base === '.wh..wh..opq') return parent === '' ? undefined : { ...common, type: 'o', path: parent };
  if (base.startsWith('.wh.')) {
    const hidden = base.slice(4);
    if (hidden === '' || hidden === '.' || hidden === '..') throw refused(header.name, 'a whiteout of no name');
    return { ...common, type: 'w', path: parent === '' ? hidden : `${parent}/${hidden}` };
  }
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
    case null:
    case undefined:
      return { ...common, type: 'f', path, size: header.size ?? 0 };
    case 'directory':
      return { ...common, type: 'd', path };
    case 'symlink':
      return { ...common, type: 'l', path, link: header.linkname ?? '' };
    case 'link': {
      const target = layerPath(header.linkname ?? '');
      if (target === undefined) throw refused(header.name, 'a hard link to the layer root');
      return { ...common, type: 'h', path, link: target };
    }
    case 'fifo':
      return { ...common, type: 'p', path };
    case 'character-device':
    case 'block-device':
      return 'device';
    default:
      throw refused(header.name, `entry type ${header.type} is not a file system entry`);
  }
}

/** The fixed header ryouiki-unpack reads (helper/src/unpack.c struct entry_header), then path and link. */
function encodeEntry(entry: LayerEntry): Buffer {
  const path = Buffer.from(entry.path);
  const link = Buffer.from(entry.link);
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(entry.type.charCodeAt(0), 0);
  header.writeUInt32LE(entry.mode & 0o7777, 4);
  header.writeUInt32LE(entry.uid >>> 0, 8);
  header.writeUInt32LE(entry.gid >>> 0, 12);
  header.writeBigInt64LE(BigInt(entry.mtime), 16);
  header.writeBigUInt64LE(BigInt(entry.size), 24);
  header.writeUInt32LE(path.length, 32);
  header.writeUInt32LE(link.length, 36);
  return Buffer.concat([header, path, link]);
}

/** Gunzips or unzstds the stream by its first bytes; a plain tar passes through. */
export function decompressed(source: Readable): Readable {
  const out = new PassThrough();
  // a source that failed before we got to it (its digest checked while we started the unpacker)
  if (source.destroyed) {
    out.destroy(source.errored ?? new RyouikiError('IMAGE_LAYER_REFUSED', 'the layer stream ended before it was read'));
    return out;
  }
  source.once('readable', () => {
    const head: Buffer | null = source.read(4) ?? source.read();
    if (head === null) {
      out.end();
      return;
    }
    source.unshift(head);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      pipeline(source, createGunzip({ chunkSize: GUNZIP_CHUNK }), out).catch((error: unknown) => out.destroy(error as Error));
    } else if (head.readUInt32LE(0) === 0xfd2fb528) {
      const zstd = spawn('zstd', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'ignore'] });
      zstd.on('error', () => out.destroy(new RyouikiError('IMAGE_LAYER_REFUSED', 'a zstd layer needs the zstd program: apt-get install zstd')));
      zstd.on('exit', (code) => {
        if (code !== 0) out.destroy(new RyouikiError('IMAGE_LAYER_REFUSED', 'a zstd layer did not decompress: its data is damaged'));
      });
      source.pipe(zstd.stdin);
      zstd.stdin.on('error', () => undefined);
      zstd.stdout.pipe(out);
    } else {
      source.pipe(out);
    }
  });
  source.on('error', (error) => out.destroy(error));
  return out;
}

/**
 * Gathers entries into large writes: a layer is many small entries, each a
 * write to ryouiki-unpack otherwise. The pieces go out corked, as one writev,
 * so a file's data is never copied into a batch.
 */
class BatchedWriter {
  private size = 0;

  constructor(private readonly stream: Writable) {}

  async write(data: Buffer): Promise<void> {
    if (this.size === 0) this.stream.cork();
    this.size += data.length;
    this.stream.write(data);
    if (this.size >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    this.size = 0;
    this.stream.uncork();
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }
}

function maxEntries(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.RYOUIKI_LAYER_MAX_ENTRIES);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_ENTRIES;
}

async function feedEntries(tarStream: Readable, stdin: Writable, skippedDevices: string[]): Promise<void> {
  const extract = tar.extract();
  const parsing = pipeline(tarStream, extract);
  // a failure of the tar stream reaches the loop below through extract; this only keeps it from going unhandled
  parsing.catch(() => undefined);
  const limit = maxEntries();
  const out = new BatchedWriter(stdin);
  let count = 0;
  for await (const item of extract) {
    const entry = layerEntry(item.header);
    if (++count > limit) throw refused(item.header.name, `the layer has more than ${limit} entries (RYOUIKI_LAYER_MAX_ENTRIES)`);
    if (entry === 'device') skippedDevices.push(item.header.name);
    if (entry === undefined || entry === 'device') {
      item.resume();
      continue;
    }
    await out.write(encodeEntry(entry));
    if (entry.type === 'f') {
      for await (const chunk of item) await out.write(chunk as Buffer);
    } else item.resume();
  }
  await parsing;
  await out.flush();
}

/** What ryouiki-unpack said on refusing the layer, named as the layer's entry. */
function layerRefusal(line: string): RyouikiError {
  return new RyouikiError('IMAGE_LAYER_REFUSED', line.replace(UNPACKER_PREFIX, 'layer entry '));
}

/**
 * Unpacks a layer blob (gzip, zstd or plain tar) into dest, a new empty
 * folder, checking the tar's digest against diffId when given. On any failure
 * dest is gone.
 */
export async function unpackLayer(source: Readable, dest: string, diffId?: string): Promise<UnpackResult> {
  const skippedDevices: string[] = [];
  let computed = '';
  const hashing = diffId === undefined ? digestingStream((digest) => (computed = digest)) : verifyingStream({ digest: diffId }, "a layer's uncompressed tar");
  const unpacker = await startUnpacker([dest]);
  try {
    // once the unpacker has marked the folder that holds dest (helper/README.md): dest gets a block group of its own
    mkdirSync(dest, { mode: 0o755 });
  } catch (error) {
    unpacker.child.stdin.destroy();
    await unpacker.done;
    throw error;
  }
  try {
    // pipeline, not pipe: a decompression error must reach the tar parser, not leave it waiting
    pipeline(decompressed(source), hashing).catch(() => undefined);
    const tarStream = hashing;
    const feeding = feedEntries(tarStream, unpacker.child.stdin, skippedDevices).finally(() => unpacker.child.stdin.end());
    const [, code] = await Promise.all([feeding, unpacker.done]);
    if (code !== 0) throw layerRefusal(unpacker.stderr[0] ?? 'ryouiki-unpack failed');
  } catch (error) {
    unpacker.child.stdin.destroy();
    await unpacker.done;
    const reason = unpacker.stderr[0];
    await removeLayerTree(dest);
    if (reason !== undefined && !(error instanceof RyouikiError && error.code === 'IMAGE_LAYER_REFUSED')) {
      throw layerRefusal(reason);
    }
    throw error;
  }
  return { diffId: diffId ?? computed, skippedDevices };
}

/** Passes the bytes through and gives their digest at the end. */
function digestingStream(onDigest: (digest: string) => void): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      onDigest(`sha256:${hash.digest('hex')}`);
      callback();
    },
  });
}
