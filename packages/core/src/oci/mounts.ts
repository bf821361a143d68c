import { posix, resolve } from 'node:path';
import type { Mount } from '../spec/spec.js';
import { PROPAGATION_OPTIONS } from '../spec/volumes.js';
import type { OciReader } from './reader.js';

/** Kernel filesystems the helper mounts at any place, with their options. */
export const KERNEL_FILESYSTEMS = ['tmpfs', 'proc', 'sysfs', 'devpts', 'mqueue'];

/** Options that become mount flags; the rest of a kernel filesystem's options (size=, mode=) are its data. */
export const FLAG_OPTIONS = ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec'];
export const ATIME_OPTIONS = ['relatime', 'norelatime', 'strictatime', 'nostrictatime', 'noatime', 'atime', 'nodiratime', 'diratime'];
const RECURSION_OPTIONS = ['bind', 'rbind'];
/** Options a kernel filesystem takes without '=' (devpts's newinstance). */
const DATA_WORDS = ['newinstance'];

function isBind(type: string | undefined, options: string[]): boolean {
  return type === 'bind' || ((type === undefined || type === 'none') && options.some((option) => RECURSION_OPTIONS.includes(option)));
}

/**
 * Options of a bind: recursion, flags and propagation are kept; atime options
 * are accepted and left as the host's mount has them (they are locked in a
 * user namespace), and data such as mode= or size= is dropped, as the kernel
 * ignores the data of a bind that runc passes it.
 */
function bindOptions(options: string[], path: string, reader: OciReader): string[] {
  const kept = options.includes('bind') && !options.includes('rbind') ? ['bind'] : ['rbind'];
  for (const option of options) {
    if (FLAG_OPTIONS.includes(option) || PROPAGATION_OPTIONS.includes(option)) kept.push(option);
    else if (!RECURSION_OPTIONS.includes(option) && !ATIME_OPTIONS.includes(option) && !/^[a-z_0-9]+=/.test(option)) reader.unsupported.push(`${path} (${JSON.stringify(option)})`);
  }
  return kept;
}

function kernelOptions(options: string[], path: string, reader: OciReader): string[] {
  const kept: string[] = [];
  for (const option of options) {
    if (FLAG_OPTIONS.includes(option) || ATIME_OPTIONS.includes(option) || DATA_WORDS.includes(option) || PROPAGATION_OPTIONS.includes(option) || /^[a-z_0-9]+=/.test(option)) kept.push(option);
    else reader.unsupported.push(`${path} (${JSON.stringify(option)})`);
  }
  return kept;
}

function translateMount(value: unknown, index: number, bundleDir: string, reader: OciReader): Mount | undefined {
  const at = `mounts[${index}]`;
  const mount = reader.object(value, at);
  const destination = posix.normalize(reader.absolutePath(mount.destination, `${at}.destination`)).replace(/(.)\/$/, '$1');
  const type = reader.optionalString(mount.type, `${at}.type`);
  const options = reader.stringList(mount.options, `${at}.options`);
  const source = reader.optionalString(mount.source, `${at}.source`);
  reader.unsupportedFields(mount, ['uidMappings', 'gidMappings'], at);
  if (isBind(type, options)) {
    if (source === undefined) throw reader.invalid(`${at}.source`, 'is needed for a bind mount');
    return { destination, type: 'bind', source: resolve(bundleDir, source), options: bindOptions(options, `${at}.options`, reader) };
  }
  if (type === undefined) throw reader.invalid(`${at}.type`, 'is needed for a mount that is not a bind (bind, tmpfs, proc, ...)');
  if (type === 'cgroup' || type === 'cgroup2') {
    // As rootless runc and crun do without a cgroup namespace: the host's tree, bound.
    return { destination, type: 'bind', source: '/sys/fs/cgroup', options: bindOptions(['rbind', ...options.filter((option) => !ATIME_OPTIONS.includes(option))], `${at}.options`, reader) };
  }
  if (!KERNEL_FILESYSTEMS.includes(type)) {
    reader.unsupported.push(`${at}.type (${JSON.stringify(type)})`);
    return undefined;
  }
  return { destination, type, source: type, options: kernelOptions(options, `${at}.options`, reader) };
}

/**
 * config.json's mounts as the spec's, the container's whole list in order
 * (spec.onlyGivenMounts): binds with their source resolved against the
 * bundle, kernel filesystems with their options, cgroup as a bind of the
 * host's tree.
 */
export function translateMounts(value: unknown, bundleDir: string, reader: OciReader): Mount[] {
  return reader
    .list(value, 'mounts')
    .map((mount, index) => translateMount(mount, index, bundleDir, reader))
    .filter((mount): mount is Mount => mount !== undefined);
}

/**
 * Only the owner of a network namespace may mount a sysfs: without one of
 * its own, the container gets the host's /sys bound read-only there, as
 * rootless runc does.
 */
export function sysfsAsHostBind(mounts: Mount[], ownsNetwork: boolean): Mount[] {
  if (ownsNetwork) return mounts;
  return mounts.map((mount) => {
    if (mount.type !== 'sysfs') return mount;
    const flags = (mount.options ?? []).filter((option) => FLAG_OPTIONS.includes(option) && option !== 'rw');
    return { destination: mount.destination, type: 'bind', source: '/sys', options: ['rbind', ...new Set([...flags, 'ro'])] };
  });
}
