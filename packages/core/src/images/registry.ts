/**
 * A client of the OCI distribution API (GET /v2/NAME/manifests/REF and
 * /v2/NAME/blobs/DIGEST), with anonymous and credentialed bearer tokens and
 * basic auth. HTTPS first, with the CAs of certs.d as podman reads them; plain
 * HTTP only with tlsVerify false, as podman's --tls-verify=false allows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RyouikiError } from '../errors.js';
import { builtin } from '../lazy-builtin.js';
import { findCredentials, type Credentials } from './auth-file.js';
import { registryHost } from './reference.js';

export interface RegistryOptions {
  /** false: accept any certificate, and plain HTTP (podman's --tls-verify=false). Default true. */
  tlsVerify?: boolean;
  /** A folder of *.crt CAs for this registry (podman's --cert-dir); default: certs.d as podman reads it. */
  certDir?: string;
  /** The auth.json to read credentials from (podman's --authfile). */
  authFile?: string;
  /** Credentials to use instead of the auth file's (ryouiki login checks them so). */
  credentials?: Credentials;
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const MAX_REDIRECTS = 5;

function certificateAuthorities(host: string, certDir: string | undefined): string[] | undefined {
  const configHome = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  const dirs = certDir !== undefined ? [certDir] : [join(configHome, 'containers', 'certs.d', host), join('/etc/containers/certs.d', host)];
  const extra: string[] = [];
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((file) => file.endsWith('.crt'))) extra.push(readFileSync(join(dir, name), 'utf8'));
  }
  return extra.length === 0 ? undefined : [...builtin<typeof import('node:tls')>('node:tls').rootCertificates, ...extra];
}

function isConnectionFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return code === 'EPROTO' || code === 'ECONNRESET' || code.startsWith('ERR_SSL') || /wrong version number|packet length too long/.test(String(error));
}

interface Response {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) params[match[1] ?? ''] = match[2] ?? '';
  return { scheme, params };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class RegistryClient {
  private readonly host: string;
  private scheme: 'https' | 'http' = 'https';
  private authorization: string | undefined;
  private readonly ca: string[] | undefined;
  private readonly credentials: Credentials | undefined;

  constructor(
    readonly registry: string,
    private readonly repository: string,
    private readonly options: RegistryOptions = {},
  ) {
    this.host = registryHost(registry);
    this.ca = certificateAuthorities(this.host, options.certDir);
    this.credentials = options.credentials ?? findCredentials(registry, options.authFile);
  }

  private send(url: URL, headers: Record<string, string>): Promise<Response> {
    const { request } = url.protocol === 'http:' ? builtin<typeof import('node:http')>('node:http') : builtin<typeof import('node:https')>('node:https');
    const tls = url.protocol === 'https:' ? { ca: this.ca, rejectUnauthorized: this.options.tlsVerify !== false } : {};
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers, ...tls }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
      req.on('error', reject);
      req.end();
    });
  }

  /** GET with redirects followed; the Authorization header only goes to the registry itself. */
  private async get(path: string, headers: Record<string, string>): Promise<Response> {
    let url = new URL(`${this.scheme}://${this.host}${path}`);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const own = url.host === this.host;
      const response = await this.send(url, own && this.authorization !== undefined ? { ...headers, Authorization: this.authorization } : headers);
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || location === undefined) return response;
      response.body.resume();
      url = new URL(location, url);
    }
    throw new RyouikiError('IMAGE_PULL_FAILED', `${this.registry}: more than ${MAX_REDIRECTS} redirects for ${path}`);
  }

  private async getWithFallback(path: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await this.get(path, headers);
    } catch (error) {
      if (this.scheme === 'https' && this.options.tlsVerify === false && isConnectionFailure(error)) {
        this.scheme = 'http';
        return this.get(path, headers);
      }
      throw this.unreachable(error);
    }
  }

  private unreachable(error: unknown): RyouikiError {
    if (error instanceof RyouikiError) return error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const text = String((error as Error).message ?? error);
    const hint = `: put its CA in ~/.config/containers/certs.d/${this.host}/ca.crt, or pass --tls-verify=false`;
    let reason = text.split('\n')[0] ?? text;
    if (/wrong version number|packet length too long/.test(text)) reason = 'its TLS handshake failed (does it speak plain HTTP?)';
    else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) reason = `its certificate is not trusted (${code})`;
    const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL|EPROTO/.test(code) || /wrong version number/.test(text);
    return new RyouikiError('IMAGE_PULL_FAILED', `cannot reach the registry ${this.host}: ${reason}${tls ? hint : ''}`, { cause: error });
  }

  /** Answers a 401 challenge: a bearer token from the realm, or basic auth; false when nothing more can be tried. */
  private async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    const basic = this.credentials === undefined ? undefined : `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    if (scheme === 'basic') {
      if (basic === undefined) throw this.authFailure('it asks for a user name and password');
      this.authorization = basic;
      return;
    }
    if (scheme !== 'bearer' || params.realm === undefined) throw this.authFailure(`it asks for ${scheme} auth, which ryouiki does not speak`);
    const realm = new URL(params.realm);
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`);
    let response: Response;
    try {
      response = await this.send(realm, basic === undefined ? {} : { Authorization: basic });
    } catch (error) {
      throw this.unreachable(error);
    }
    const body = await readAll(response.body);
    if (response.status !== 200) throw this.authFailure(`its token server ${realm.origin} answered ${response.status}`);
    const token = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    const value = token.token ?? token.access_token;
    if (value === undefined) throw this.authFailure('its token server gave no token');
    this.authorization = `Bearer ${value}`;
  }

  private authFailure(why: string): RyouikiError {
    const hint = this.credentials === undefined ? `ryouiki login ${this.registry}` : `check the credentials (ryouiki login ${this.registry})`;
    return new RyouikiError('REGISTRY_AUTH_FAILED', `${this.registry}: not authorized to pull ${this.repository}: ${why}: ${hint}`);
  }

  /** GET, authenticating once on a 401. */
  private async authorizedGet(path: string, headers: Record<string, string>): Promise<Response> {
    let response = await this.getWithFallback(path, headers);
    if (response.status === 401) {
      response.body.resume();
      await this.authenticate(String(response.headers['www-authenticate'] ?? ''));
      response = await this.getWithFallback(path, headers);
      if (response.status === 401) {
        response.body.resume();
        throw this.authFailure('it refused the credentials');
      }
    }
    return response;
  }

  /** Checks the credentials against /v2/ (ryouiki login). */
  async ping(): Promise<void> {
    const response = await this.authorizedGet('/v2/', {});
    response.body.resume();
    if (response.status !== 200) throw new RyouikiError('REGISTRY_AUTH_FAILED', `${this.registry}: /v2/ answered ${response.status}`);
  }

  async manifest(reference: string): Promise<{ body: Buffer; mediaType: string }> {
    const response = await this.authorizedGet(`/v2/${this.repository}/manifests/${reference}`, { Accept: MANIFEST_TYPES.join(', ') });
    const body = await readAll(response.body);
    if (response.status === 404) throw new RyouikiError('IMAGE_NOT_FOUND', `${this.registry}/${this.repository}:${reference}: the registry has no such image: check the name and tag`);
    if (response.status !== 200) throw new RyouikiError('IMAGE_PULL_FAILED', `${this.registry}/${this.repository}:${reference}: the registry answered ${response.status}`);
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
    const declared = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType;
    return { body, mediaType: declared ?? contentType };
  }

  /** The blob's bytes as they stream (the caller checks the digest). */
  async blob(digest: string): Promise<IncomingMessage> {
    const response = await this.authorizedGet(`/v2/${this.repository}/blobs/${digest}`, {});
    if (response.status !== 200) {
      response.body.resume();
      throw new RyouikiError('IMAGE_PULL_FAILED', `${this.registry}/${this.repository}: blob ${digest}: the registry answered ${response.status}`);
    }
    return response.body;
  }
}
