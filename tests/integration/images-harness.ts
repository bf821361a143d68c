/**
 * Real parts for the image tests: layers and OCI layouts made here, Debian's
 * docker-registry started on 127.0.0.1 with a config of its own (plain HTTP,
 * TLS with a certificate made here, token auth with a token server in this
 * process), images pushed to it with Debian's skopeo.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from '@jest/globals';
import { collect, freePort, makeTempDir, removeDir, ryouiki } from './harness.js';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A tar of a folder, every owner 0 unless the folder says otherwise (GNU tar). */
export function tarOf(dir: string, ownersAsRoot = true): Buffer {
  const owners = ownersAsRoot ? ['--owner=0', '--group=0'] : [];
  return execFileSync('tar', ['--numeric-owner', ...owners, '-C', dir, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
}

export interface LayoutImage {
  layers: Buffer[];
  /** The image config's `config` (Entrypoint, Cmd, Env...). */
  config?: Record<string, unknown>;
  /** gzip (default), zstd or none. */
  compression?: 'gzip' | 'zstd' | 'none';
  architecture?: string;
}

function compress(tar: Buffer, compression: LayoutImage['compression']): { data: Buffer; mediaType: string } {
  if (compression === 'none') return { data: tar, mediaType: 'application/vnd.oci.image.layer.v1.tar' };
  if (compression === 'zstd') return { data: execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
  return { data: gzipSync(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

function writeBlob(dir: string, data: Buffer | string): { digest: string; size: number } {
  const digest = sha256(data);
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: Buffer.byteLength(data) };
}

/** The image's manifest in the layout's blobs; its descriptor. */
function writeImage(dir: string, image: LayoutImage): { mediaType: string; digest: string; size: number } {
  const layers = image.layers.map((tar) => {
    const { data, mediaType } = compress(tar, image.compression);
    return { mediaType, ...writeBlob(dir, data) };
  });
  const config = JSON.stringify({
    created: '2024-01-02T03:04:05Z',
    architecture: image.architecture ?? 'amd64',
    os: 'linux',
    config: image.config ?? {},
    rootfs: { type: 'layers', diff_ids: image.layers.map((tar) => sha256(tar)) },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...writeBlob(dir, config) },
    layers,
  });
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...writeBlob(dir, manifest) };
}

/**
 * An OCI layout folder holding one image under `tag`, or, with several
 * images, an index of them by architecture (a multi-arch image).
 */
export function makeOciLayout(dir: string, tag: string, images: LayoutImage[]): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const descriptors = images.map((image) => ({ ...writeImage(dir, image), platform: { os: 'linux', architecture: image.architecture ?? 'amd64' } }));
  const top =
    descriptors.length === 1
      ? descriptors[0]!
      : { mediaType: 'application/vnd.oci.image.index.v1+json', ...writeBlob(dir, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors })) };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return dir;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export function makeCertificate(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

const TOKEN_SERVICE = 'ryouiki-test-registry';
const TOKEN_ISSUER = 'ryouiki-test-token-server';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * The registry's token server, as Docker Hub's auth server: anonymous callers
 * get pull tokens for public/* only; the right user and password get
 * everything; wrong ones get a 401. Tokens are JWTs signed with the key whose
 * certificate the registry trusts (x5c).
 */
export class TokenServer {
  readonly requests: { authorized: boolean; scope: string }[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly certificate: { cert: string; key: string },
    private readonly user: string,
    private readonly password: string,
  ) {}

  private token(scope: string, allowed: boolean, anonymous: boolean): string {
    const der = execFileSync('openssl', ['x509', '-in', this.certificate.cert, '-outform', 'DER']);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const access = scope
      .split(' ')
      .filter((item) => item !== '')
      .map((item) => {
        const [type = '', name = '', actions = ''] = item.split(':');
        const granted = anonymous ? (name.startsWith('public/') ? actions.split(',').filter((action) => action === 'pull') : []) : actions.split(',');
        return { type, name, actions: allowed ? granted : [] };
      });
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: TOKEN_ISSUER, sub: anonymous ? '' : this.user, aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), readFileSync(this.certificate.key));
    return `${signingInput}.${base64url(signature)}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const scope = url.searchParams.get('scope') ?? '';
      const header = req.headers.authorization;
      const anonymous = header === undefined;
      const authorized = header === `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
      this.requests.push({ authorized, scope });
      if (!anonymous && !authorized) {
        res.writeHead(401).end('{"details":"wrong credentials"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: this.token(scope, true, anonymous) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return `http://127.0.0.1:${this.port}/token`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

export interface RegistryOptions {
  tls?: { cert: string; key: string };
  token?: { realm: string; cert: string };
}

/** Debian's docker-registry on 127.0.0.1, its storage and config in a folder of its own. */
export class Registry {
  readonly dir = makeTempDir('registry');
  private child: ChildProcess | undefined;
  private ended: Promise<unknown> | undefined;
  port = 0;

  constructor(private readonly options: RegistryOptions = {}) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get scheme(): string {
    return this.options.tls === undefined ? 'http' : 'https';
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private config(): string {
    const lines = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(this.dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${this.port}`,
    ];
    if (this.options.tls !== undefined) lines.push('  tls:', `    certificate: ${this.options.tls.cert}`, `    key: ${this.options.tls.key}`);
    if (this.options.token !== undefined) {
      lines.push('auth:', '  token:', `    realm: ${this.options.token.realm}`, `    service: ${TOKEN_SERVICE}`, `    issuer: ${TOKEN_ISSUER}`, `    rootcertbundle: ${this.options.token.cert}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private ping(): Promise<boolean> {
    const send = this.options.tls === undefined ? request : httpsRequest;
    return new Promise((resolve) => {
      const req = send(`${this.scheme}://${this.address}/v2/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 || res.statusCode === 401);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  async start(): Promise<this> {
    this.port = await freePort();
    const config = join(this.dir, 'config.yml');
    writeFileSync(config, this.config());
    this.child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.ended = collect(this.child);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await this.ping()) return this;
      if (this.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outcome = (await Promise.race([this.ended, Promise.resolve(undefined)])) as { stderr?: string } | undefined;
    throw new Error(`docker-registry did not start: ${outcome?.stderr ?? 'no answer on /v2/'}`);
  }

  /** Stops the registry and removes its data; the process and the folder are gone after. */
  async stop(): Promise<void> {
    if (this.child !== undefined && this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.ended;
    removeDir(this.dir);
  }

  /** skopeo copy of an OCI layout into the registry (creds: user:password). */
  async push(layout: string, tag: string, name: string, extra: string[] = []): Promise<void> {
    const tlsFlags = this.options.tls === undefined ? ['--dest-tls-verify=false'] : ['--dest-cert-dir', join(this.dir, 'push-certs')];
    if (this.options.tls !== undefined) {
      mkdirSync(join(this.dir, 'push-certs'), { recursive: true });
      writeFileSync(join(this.dir, 'push-certs', 'ca.crt'), readFileSync(this.options.tls.cert));
    }
    const out = await collect(spawn('skopeo', ['copy', '--quiet', '--all', ...tlsFlags, ...extra, `oci:${layout}:${tag}`, `docker://${this.address}/${name}`], { stdio: 'pipe' }));
    if (out.exitCode !== 0) throw new Error(`skopeo copy to ${name} failed: ${out.stderr}`);
  }
}

export function processGone(pid: number | undefined): boolean {
  return pid === undefined || !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;
}

export interface TarEntry {
  name: string;
  /** 0 file (default), 1 hard link, 2 symlink, 3 char device, 5 directory, 6 fifo */
  type?: '0' | '1' | '2' | '3' | '5' | '6';
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/**
 * A ustar archive of exactly these entries, names as given: the hostile
 * fixtures need names (../x, /x) that tar programs rewrite when they write.
 */
export function tarEntries(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100);
    header.write(octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 8), 100);
    header.write(octal(entry.uid ?? 0, 8), 108);
    header.write(octal(entry.gid ?? 0, 8), 116);
    header.write(octal(entry.type === undefined || entry.type === '0' ? data.length : 0, 12), 124);
    header.write(octal(1700000000, 12), 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    header.write(entry.linkname ?? '', 157, 100);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    if (entry.type === undefined || entry.type === '0') blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Empties a store through ryouiki (its layers hold files of subordinate ids the test user cannot remove), checks nothing stays, removes it. */
export async function emptyStore(store: string): Promise<void> {
  const pruned = await ryouiki(['image', 'prune', '--all', '--root', store]);
  expect(pruned).toMatchObject({ exitCode: 0, stderr: '' });
  const images = join(store, 'images');
  if (existsSync(images)) {
    expect(readdirSync(join(images, 'layers'))).toEqual([]);
    expect(readdirSync(join(images, 'blobs', 'sha256'))).toEqual([]);
    expect(readdirSync(join(images, 'tmp'))).toEqual([]);
  }
  removeDir(store);
}
