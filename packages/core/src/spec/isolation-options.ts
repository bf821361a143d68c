import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isRyouikiError, type SpecProblem } from '../errors.js';
import { capabilitySet } from './capabilities.js';
import { planIdMaps, USERNS_MODES, type UsernsMode } from './id-map.js';
import { defaultSeccomp, readSeccompFile, type Seccomp } from './seccomp.js';
import type { ContainerSpec, Mount } from './spec.js';
import { resolveUser, userMappingProblems } from './user.js';
import { parseTmpfs, parseVolume } from './volumes.js';

/** The isolation flags a person gives, as podman spells them. */
export interface IsolationOptions {
  /** `UID[:GID]` or `NAME[:GROUP]` from the rootfs's /etc/passwd and /etc/group. */
  user?: string;
  /** `auto` (default) or `single`. */
  userns?: string;
  /** `HOST:CONTAINER[:ro|rw]`. */
  volumes?: string[];
  /** `PATH[:OPTIONS]`. */
  tmpfs?: string[];
  overlay?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** `unconfined`, or the path of an OCI seccomp profile in JSON. */
  seccomp?: string;
}

function usernsMode(text: string | undefined, problems: SpecProblem[]): UsernsMode {
  if (text === undefined || (USERNS_MODES as string[]).includes(text)) return (text ?? 'auto') as UsernsMode;
  problems.push({ path: 'linux.uidMappings', code: 'USERNS_MODE_UNKNOWN', message: `--userns=${text}: use auto (the full subordinate id range when there is one) or single` });
  return 'auto';
}

function seccompProfile(options: IsolationOptions, capabilities: string[], problems: SpecProblem[]): Seccomp | undefined {
  if (options.seccomp === 'unconfined' || (options.privileged === true && options.seccomp === undefined)) return undefined;
  if (options.seccomp === undefined) return defaultSeccomp(capabilities);
  try {
    return readSeccompFile(options.seccomp);
  } catch (error) {
    if (!isRyouikiError(error)) throw error;
    problems.push({ path: 'linux.seccomp', code: error.code, message: error.message });
    return undefined;
  }
}

function mounts(options: IsolationOptions, problems: SpecProblem[]): Mount[] {
  const binds = (options.volumes ?? []).map((text) => parseVolume(text, problems));
  const tmpfs = (options.tmpfs ?? []).map((text) => parseTmpfs(text, problems));
  return [...binds, ...tmpfs].filter((mount): mount is Mount => mount !== undefined);
}

/** Where --user NAME is looked up: the rootfs, or the top image layer that has an /etc/passwd. */
function userDatabaseRoot(spec: ContainerSpec): string {
  const layers = [spec.root.path, ...(spec.root.lowerPaths ?? [])];
  return layers.find((layer) => existsSync(join(layer, 'etc', 'passwd'))) ?? spec.root.path;
}

/**
 * Fills the spec's identity, mounts and privileges from the flags; returns the
 * warnings to say once (the single-id map fallback).
 */
export function applyIsolation(spec: ContainerSpec, options: IsolationOptions, problems: SpecProblem[]): string[] {
  const maps = planIdMaps(usernsMode(options.userns, problems));
  spec.linux.uidMappings = maps.uidMappings;
  spec.linux.gidMappings = maps.gidMappings;
  spec.linux.idMapsAreDefault = true;
  if (options.user !== undefined) {
    const user = resolveUser(userDatabaseRoot(spec), options.user, problems);
    const size = (mappings: typeof maps.uidMappings) => mappings.reduce((total, m) => total + m.size, 0);
    problems.push(...userMappingProblems(user, size(maps.uidMappings), size(maps.gidMappings), options.user));
    if (user !== undefined) spec.process.user = user;
  }
  spec.mounts = mounts(options, problems);
  if (options.overlay === true) spec.root.overlay = true;
  const caps = capabilitySet(options.privileged === true ? ['ALL'] : (options.capAdd ?? []), options.capDrop ?? [], problems);
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: [] };
  spec.process.noNewPrivileges = options.privileged !== true;
  const seccomp = seccompProfile(options, caps, problems);
  if (seccomp !== undefined) spec.linux.seccomp = seccomp;
  if (options.privileged === true) spec.privileged = true;
  return maps.fallbackReason === undefined ? [] : [`${maps.fallbackReason}: using a single-id map, only uid 0 exists inside (--userns=single says this is intended)`];
}
