/**
 * Registry credentials in the auth.json format podman, skopeo and buildah
 * share: `{"auths": {"HOST[:PORT]": {"auth": base64("USER:PASSWORD")}}}`, at
 * $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json (podman's
 * default), else ~/.config/containers/auth.json; docker's ~/.docker/config.json is read too.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DOCKER_HUB } from './reference.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

export function authFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REGISTRY_AUTH_FILE !== undefined && env.REGISTRY_AUTH_FILE !== '') return env.REGISTRY_AUTH_FILE;
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  return join(homedir(), '.config', 'containers', 'auth.json');
}

function readAuthFile(path: string): AuthFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AuthFile;
  } catch {
    return {};
  }
}

/** The keys a registry's entry may have: podman's `docker.io`, docker's index URL. */
function keysFor(registry: string): string[] {
  return registry === DOCKER_HUB ? [DOCKER_HUB, 'https://index.docker.io/v1/', 'index.docker.io'] : [registry, `https://${registry}`];
}

function decode(auth: string): Credentials | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function findCredentials(registry: string, authFile?: string): Credentials | undefined {
  const files = authFile !== undefined ? [authFile] : [authFilePath(), join(homedir(), '.docker', 'config.json')];
  for (const file of files) {
    const auths = readAuthFile(file).auths ?? {};
    for (const key of keysFor(registry)) {
      const auth = auths[key]?.auth;
      if (auth !== undefined) return decode(auth);
    }
  }
  return undefined;
}

function writeAuthFile(path: string, content: AuthFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, '\t')}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function storeCredentials(registry: string, credentials: Credentials, authFile = authFilePath()): string {
  const content = readAuthFile(authFile);
  content.auths = { ...content.auths, [registry]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } };
  writeAuthFile(authFile, content);
  return authFile;
}

/** Forgets a registry's credentials; false when there were none. */
export function removeCredentials(registry: string, authFile = authFilePath()): boolean {
  const content = readAuthFile(authFile);
  if (content.auths?.[registry] === undefined) return false;
  delete content.auths[registry];
  writeAuthFile(authFile, content);
  return true;
}
