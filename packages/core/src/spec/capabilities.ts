import type { SpecProblem } from '../errors.js';

/** Linux capability names by number (linux/capability.h), without the CAP_ prefix. */
export const CAPABILITY_NAMES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/** podman's default set for a rootless container. */
export const DEFAULT_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

/** `CAP_NET_RAW`, `net_raw` and `NET_RAW` all name NET_RAW; `ALL` is every one. */
function normalise(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, '');
}

/**
 * The default set adjusted by --cap-add and --cap-drop as podman does: ALL in
 * --cap-drop empties the set first, ALL in --cap-add fills it; then the named
 * ones. Returns CAP_-prefixed names in number order.
 */
export function capabilitySet(add: string[], drop: string[], problems: SpecProblem[]): string[] {
  const unknown = [...add, ...drop].map(normalise).filter((name) => name !== 'ALL' && !CAPABILITY_NAMES.includes(name));
  for (const name of unknown) {
    problems.push({ path: 'process.capabilities', code: 'CAPABILITY_UNKNOWN', message: `unknown capability ${name}: use a name such as NET_RAW or CAP_NET_RAW (see capabilities(7)), or ALL` });
  }
  const adds = add.map(normalise);
  const drops = drop.map(normalise);
  let set = new Set(drops.includes('ALL') ? [] : DEFAULT_CAPABILITIES);
  if (adds.includes('ALL')) set = new Set(CAPABILITY_NAMES);
  for (const name of adds) if (CAPABILITY_NAMES.includes(name)) set.add(name);
  for (const name of drops) if (!adds.includes(name)) set.delete(name);
  return CAPABILITY_NAMES.filter((name) => set.has(name)).map((name) => `CAP_${name}`);
}

/** The helper's --caps value: capability numbers. Unknown names were refused before. */
export function capabilityNumbers(names: string[]): string {
  return names
    .map((name) => CAPABILITY_NAMES.indexOf(normalise(name)))
    .filter((n) => n >= 0)
    .join(',');
}
