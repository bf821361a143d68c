/**
 * Image references as docker and podman read them: `[HOST[:PORT]/]NAME[:TAG][@DIGEST]`.
 * A first component without a '.' or ':' (and not `localhost`) is a path on
 * Docker Hub, and a one-component name there is under `library/`.
 */
import { RyouikiError } from '../errors.js';

export const DOCKER_HUB = 'docker.io';
/** Where docker.io's registry API answers. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export interface ImageReference {
  /** `docker.io`, `localhost:5000`, `localhost` (images made here: import, commit). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function invalid(text: string, why: string): RyouikiError {
  return new RyouikiError('IMAGE_REFERENCE_INVALID', `${text}: not an image reference (${why}): give [HOST[:PORT]/]NAME[:TAG|@sha256:DIGEST]`);
}

function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Splits NAME[:TAG][@DIGEST] off its end. */
function splitTagAndDigest(text: string): { name: string; tag?: string; digest?: string } {
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const rest = at >= 0 ? text.slice(0, at) : text;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon < 0) return { name: rest, digest };
  return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
}

export function parseReference(text: string): ImageReference {
  const { name, tag, digest } = splitTagAndDigest(text.trim());
  if (digest !== undefined && !DIGEST.test(digest)) throw invalid(text, `the digest ${digest} is not sha256:64 hex digits`);
  if (tag !== undefined && !TAG.test(tag)) throw invalid(text, `the tag ${tag} holds characters a tag cannot`);
  const components = name.split('/');
  const first = components[0] ?? '';
  const qualified = components.length > 1 && isRegistryHost(first);
  const registry = qualified ? first : DOCKER_HUB;
  const path = qualified ? components.slice(1) : components;
  if (path.length === 0 || path.some((component) => !COMPONENT.test(component))) throw invalid(text, 'a name is lowercase letters, digits and separators');
  const repository = registry === DOCKER_HUB && path.length === 1 ? `library/${path[0]}` : path.join('/');
  return { registry, repository, tag: tag ?? (digest === undefined ? 'latest' : undefined), digest };
}

/** The reference as podman prints it: `docker.io/library/alpine:latest`. */
export function formatReference(reference: ImageReference): string {
  const name = `${reference.registry}/${reference.repository}`;
  if (reference.digest !== undefined) return reference.tag === undefined ? `${name}@${reference.digest}` : `${name}:${reference.tag}@${reference.digest}`;
  return `${name}:${reference.tag ?? 'latest'}`;
}

/** The name an image made here (import, commit) gets: a name without a host is `localhost/NAME`, as podman has it. */
export function localImageName(name: string): string {
  return formatReference(parseReference(name.includes('/') ? name : `localhost/${name}`));
}

/** The names a short name may stand for in the local store, as podman looks them up: `localhost/NAME` too. */
export function localCandidates(text: string): string[] {
  const reference = parseReference(text);
  const names = [formatReference(reference)];
  const { name } = splitTagAndDigest(text.trim());
  if (!isRegistryHost(name.split('/')[0] ?? '') || !name.includes('/')) {
    names.push(formatReference({ ...reference, registry: 'localhost', repository: name }));
  }
  return names;
}

/** The host the registry API answers on. */
export function registryHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}
