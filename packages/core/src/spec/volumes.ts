import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';
import type { SpecProblem } from '../errors.js';
import type { Mount } from './spec.js';

/**
 * Where a container path leads inside rootfs, following its symlinks the way
 * the container will (an absolute target starts again at the rootfs, `..`
 * stops at it). Returns the host path, or undefined when it does not exist.
 */
export function resolveInRootfs(rootfs: string, containerPath: string): string | undefined {
  const pending = containerPath.split('/').filter((part) => part !== '' && part !== '.');
  const done: string[] = [];
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(rootfs, ...done, part);
    const stat = lstatSync(host, { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    if (!stat.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(host);
    if (isAbsolute(target)) done.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(rootfs, ...done);
}

function volumeProblem(code: SpecProblem['code'], message: string): SpecProblem {
  return { path: 'mounts', code, message };
}

/**
 * `-v HOST:CONTAINER[:ro|rw]` as an OCI bind mount. A container path the
 * rootfs lacks is made by the helper without writing into the rootfs (on an
 * overlay's upper layer, or on a tmpfs over its nearest folder: mount-room.c).
 */
export function parseVolume(text: string, problems: SpecProblem[]): Mount | undefined {
  const [source = '', destination = '', mode, extra] = text.split(':');
  const flag = `-v ${text}`;
  if (source === '' || destination === '' || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    problems.push(volumeProblem('VOLUME_INVALID', `${flag}: give HOST:CONTAINER[:ro|rw], with no ':' in the paths`));
    return undefined;
  }
  if (!isAbsolute(destination)) {
    problems.push(volumeProblem('VOLUME_INVALID', `${flag}: the container path ${destination} must be absolute`));
    return undefined;
  }
  const hostPath = resolve(source);
  if (statSync(hostPath, { throwIfNoEntry: false }) === undefined) {
    problems.push(volumeProblem('VOLUME_SOURCE_NOT_FOUND', `${flag}: the host path ${hostPath} does not exist: create it first`));
    return undefined;
  }
  return { destination: posix.normalize(destination), source: hostPath, type: 'bind', options: ['rbind', mode ?? 'rw'] };
}

/** `--tmpfs PATH[:OPTIONS]`, options as mount(8) takes them (size=64m,mode=1777). */
export function parseTmpfs(text: string, problems: SpecProblem[]): Mount | undefined {
  const colon = text.indexOf(':');
  const destination = colon < 0 ? text : text.slice(0, colon);
  const options =
    colon < 0
      ? []
      : text
          .slice(colon + 1)
          .split(',')
          .filter((option) => option !== '');
  if (!isAbsolute(destination)) {
    problems.push(volumeProblem('VOLUME_INVALID', `--tmpfs ${text}: the container path must be absolute`));
    return undefined;
  }
  return { destination: posix.normalize(destination), source: 'tmpfs', type: 'tmpfs', options };
}

/** Kernel filesystems a spec may mount anywhere, besides tmpfs. */
export const KERNEL_FS_TYPES = ['proc', 'sysfs', 'mqueue', 'devpts'];
const MOUNT_FLAGS = ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'relatime', 'norelatime', 'strictatime', 'nostrictatime', 'noatime', 'atime', 'nodiratime', 'diratime'];
const BIND_FLAGS = ['bind', 'nosuid', 'nodev', 'noexec'];
/** Mount propagation options: the helper applies each to its mount once made (the mounts start private). */
export const PROPAGATION_OPTIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];

/** A tmpfs is always nosuid and nodev; flags among its options go to --mount-options, the rest is its data. */
function tmpfsArgs(mount: Mount): string[] {
  const options = mount.options ?? [];
  if (!options.some((option) => MOUNT_FLAGS.includes(option))) {
    return ['--tmpfs', options.length === 0 ? mount.destination : `${mount.destination}:${options.join(',')}`];
  }
  return ['--tmpfs', mount.destination, '--mount-options', options.join(',')];
}

function bindArgs(mount: Mount): string[] {
  const options = mount.options ?? [];
  const spec = `${mount.source ?? ''}:${mount.destination}`;
  if (options.some((option) => BIND_FLAGS.includes(option) || PROPAGATION_OPTIONS.includes(option))) {
    return ['--bind', spec, '--mount-options', options.filter((option) => option === 'ro' || BIND_FLAGS.includes(option) || PROPAGATION_OPTIONS.includes(option)).join(',')];
  }
  return [options.includes('ro') ? '--ro-bind' : '--bind', spec];
}

/**
 * The helper's flags for the spec's mounts, in order. exact (a bundle's
 * mounts): a tmpfs with exactly its options, not the nosuid, nodev and
 * mode=1777 of --tmpfs.
 */
export function mountArgs(mounts: Mount[] | undefined, exact = false): string[] {
  return (mounts ?? []).flatMap((mount) => {
    if (mount.type === 'tmpfs' && !exact) return tmpfsArgs(mount);
    if (mount.type === 'tmpfs') return ['--mount-fs', `tmpfs:${mount.destination}`, '--mount-options', (mount.options ?? []).join(',')];
    if (KERNEL_FS_TYPES.includes(mount.type ?? '')) return ['--mount-fs', `${mount.type}:${mount.destination}`, '--mount-options', (mount.options ?? []).join(',')];
    return bindArgs(mount);
  });
}
