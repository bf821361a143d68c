import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { hostsFile, networkBindsFile, resolvConf, type NameConfig } from '@ryouiki/net';
import { RyouikiError } from '../errors.js';
import { isInsideDir } from '../store/runtime-dir.js';
import { seccompRules } from '../spec/seccomp.js';
import { startHooksFileText } from '../spec/start-hooks-file.js';
import { hasNamespace, type ContainerSpec, type Mount } from '../spec/spec.js';
import { resolveInRootfs } from '../spec/volumes.js';

/** A container's own files, made before its helper starts and removed after it ends. */
export interface ContainerFiles {
  dir: string;
  /** Holds the overlay's upper/, work/ and merged/, with --overlay or an image (the root overlay resource's). */
  overlayDir?: string;
  /** The overlay's upper/ outlives the container (the helper's --overlay-keep-upper): a detached one without --rm. */
  overlayKeepsUpper?: boolean;
  /** The generated /etc/hosts, /etc/hostname and /etc/resolv.conf, bound over the rootfs's. */
  mounts: Mount[];
  /** The helper's seccomp rules for the spec's profile (a file: they are long for a command line). */
  seccompFile?: string;
  /** Where the helper keeps the filter compiled from those rules, named by their SHA-256 (see seccompCacheFile). */
  seccompCache?: string;
  /** The startContainer hooks, for the helper's --start-hooks. */
  startHooksFile?: string;
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Writes the /etc files the network does not generate (with no network, all
 * three); binds each where the rootfs has one (or an overlay can hold it).
 */
function etcFiles(spec: ContainerSpec, dir: string, network: boolean): Mount[] {
  // A bundle's mounts are its whole list.
  if (spec.onlyGivenMounts === true) return [];
  const hostname = spec.hostname ?? 'ryouiki';
  // The network's own generators, for a container without a network stack: in its own empty network namespace, or in the host's.
  const names: NameConfig = { mode: hasNamespace(spec, 'network') ? 'none' : 'host', hostname, dns: [], addHosts: [], hostResolvConf: readHostFile('/etc/resolv.conf') };
  const files: Record<string, string> = {
    hostname: `${hostname}\n`,
    hosts: hostsFile(names),
    'resolv.conf': resolvConf(names),
  };
  const mounts: Mount[] = [];
  for (const [name, text] of Object.entries(files)) {
    const destination = `/etc/${name}`;
    if (network && networkBindsFile(spec.root.path, destination)) continue;
    // The person's own volume over the file takes precedence.
    if ((spec.mounts ?? []).some((mount) => mount.destination === destination)) continue;
    if (spec.root.overlay !== true && resolveInRootfs(spec.root.path, destination) === undefined) continue;
    writeFileSync(join(dir, name), text, { mode: 0o644 });
    mounts.push({ destination, source: join(dir, name), type: 'bind', options: ['rbind', 'rw'] });
  }
  return mounts;
}

/** Another container's cleanup may remove an empty runtime folder between our two mkdirs: try again once. */
function makeDir(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
      mkdirSync(dir, { mode: 0o700 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw error;
    }
  }
}

/** Apart from a detached container's state folder (runtime/<id>), which may exist beside it. */
export function containerFilesDir(runtime: string, id: string): string {
  return join(runtime, 'files', id);
}

/** A rootfs path the container's /etc files could not be looked up at, for want of permission. */
function unreadableInRootfs(error: unknown, rootfs: string): RyouikiError | undefined {
  const { code, path } = error as NodeJS.ErrnoException;
  if ((code !== 'EACCES' && code !== 'EPERM') || path === undefined || !isInsideDir(rootfs, path)) return undefined;
  const folder = dirname(path);
  return new RyouikiError(
    'ROOTFS_UNREADABLE',
    `rootfs ${rootfs} cannot be read by you at /${relative(rootfs, path)} (permission denied): make its folders readable and searchable (chmod u+rx ${folder})`,
  );
}

/**
 * The cache entry of the filter compiled from RULES, under CACHE:
 * `seccomp/SHA256.bpf`. The helper makes its folder when it first writes one,
 * and trusts an entry only for the very rules it was made from, by the same
 * libseccomp, undamaged.
 */
function seccompCacheFile(cache: string, rules: string): string {
  return join(cache, 'seccomp', `${createHash('sha256').update(rules).digest('hex')}.bpf`);
}

/**
 * Creates the container's folder DIR, with what its spec needs; `network`: a
 * network generates its name files; CACHE: where a compiled seccomp filter is kept.
 */
export function createContainerFiles(spec: ContainerSpec, dir: string, network: boolean, cache?: string): ContainerFiles {
  try {
    makeDir(dir);
    const files: ContainerFiles = { dir, mounts: etcFiles(spec, dir, network) };
    if (spec.linux.seccomp !== undefined) {
      const rules = `${seccompRules(spec.linux.seccomp)}\n`;
      files.seccompFile = join(dir, 'seccomp.rules');
      writeFileSync(files.seccompFile, rules, { mode: 0o600 });
      if (cache !== undefined) files.seccompCache = seccompCacheFile(cache, rules);
    }
    if (spec.startContainerHooks !== undefined) {
      files.startHooksFile = join(dir, 'start-hooks');
      writeFileSync(files.startHooksFile, startHooksFileText(spec.startContainerHooks), { mode: 0o600 });
    }
    return files;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw unreadableInRootfs(error, spec.root.path) ?? new RyouikiError('CONTAINER_DIR_FAILED', `cannot create the container's folder ${dir}: ${(error as Error).message}`);
  }
}

/** The helper's init empties the overlay's upper/ and work/ (their files may belong to subordinate ids); this removes the rest. */
export function removeContainerFiles(files: ContainerFiles): void {
  rmSync(files.dir, { recursive: true, force: true });
  for (const folder of [dirname(files.dir), dirname(dirname(files.dir))]) {
    try {
      rmdirSync(folder); // files/, then the runtime folder, once no container is left in them
    } catch {
      return; // still in use by another container, or already gone
    }
  }
}

/** The files the helper read at its start (the /etc files, the seccomp rules), not the overlay. */
export function removeGeneratedFiles(files: ContainerFiles): void {
  for (const mount of files.mounts) rmSync(mount.source ?? '', { force: true });
  if (files.seccompFile !== undefined) rmSync(files.seccompFile, { force: true });
  if (files.startHooksFile !== undefined) rmSync(files.startHooksFile, { force: true });
}
