import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RyouikiError } from '../errors.js';
import { OCI_VERSION } from '../spec/spec.js';
import type { OciConfig } from './config.js';

const CAPABILITIES = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** podman's lists, as Ryouiki's helper applies them by default. */
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The config.json `ryouiki spec` writes, as `runc spec` does: `sh` on a
 * terminal in ./rootfs (read-only), runc's capabilities and mounts. Every
 * Ryouiki container has its own user namespace; `rootless` also writes the
 * id maps of the given caller (only its own id, as `runc spec --rootless`),
 * where without it Ryouiki maps the subordinate range when it starts.
 */
export function defaultOciConfig(options: { rootless?: boolean; uid?: number; gid?: number } = {}): OciConfig {
  const config: OciConfig = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPABILITIES], effective: [...CAPABILITIES], permitted: [...CAPABILITIES] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ryouiki',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }],
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  if (options.rootless === true && config.linux !== undefined) {
    config.linux.uidMappings = [{ containerID: 0, hostID: options.uid ?? process.geteuid?.() ?? 0, size: 1 }];
    config.linux.gidMappings = [{ containerID: 0, hostID: options.gid ?? process.getegid?.() ?? 0, size: 1 }];
  }
  return config;
}

/** Writes defaultOciConfig() to DIR/config.json, never over an existing one; returns its path. */
export function writeDefaultOciConfig(bundleDir: string, options: { rootless?: boolean } = {}): string {
  const file = join(resolve(bundleDir), 'config.json');
  try {
    writeFileSync(file, `${JSON.stringify(defaultOciConfig(options), null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new RyouikiError('USAGE', `${file} exists already: remove it first, or give another --bundle folder`);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new RyouikiError('USAGE', `${resolve(bundleDir)} is not a folder: create it first (mkdir -p ${resolve(bundleDir)})`);
    throw new RyouikiError('USAGE', `cannot write ${file} (${code ?? 'error'})`);
  }
  return file;
}
