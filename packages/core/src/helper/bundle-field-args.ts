import { capabilityNumbers } from '../spec/capabilities.js';
import { hasNamespace, type ContainerSpec, type Rlimit } from '../spec/spec.js';

/** From 2^63 up a limit means unlimited (RLIM_INFINITY); JSON cannot say 2^64-1 exactly. */
const UNLIMITED = 2 ** 63;

function rlimitValue(value: number): string {
  return value >= UNLIMITED ? 'unlimited' : String(value);
}

function rlimitArgs(rlimits: Rlimit[] | undefined): string[] {
  return (rlimits ?? []).flatMap((limit) => ['--rlimit', `${limit.type}=${rlimitValue(limit.soft)}:${rlimitValue(limit.hard)}`]);
}

function processArgs(spec: ContainerSpec): string[] {
  const { process } = spec;
  const args = rlimitArgs(process.rlimits);
  if (process.oomScoreAdj !== undefined) args.push('--oom-score-adj', String(process.oomScoreAdj));
  if (process.terminal === true && process.consoleSize !== undefined && process.consoleSize.height > 0 && process.consoleSize.width > 0) {
    args.push('--console-size', `${process.consoleSize.height}x${process.consoleSize.width}`);
  }
  if (process.user?.additionalGids !== undefined) args.push('--groups', process.user.additionalGids.join(','));
  if (process.user?.umask !== undefined) args.push('--umask', process.user.umask.toString(8));
  if (process.noNewPrivileges === false && spec.privileged !== true) args.push('--new-privileges');
  const sets = process.capabilities;
  if (process.exactCapabilities === true && sets !== undefined && spec.privileged !== true) {
    args.push('--caps-effective', capabilityNumbers(sets.effective ?? []), '--caps-permitted', capabilityNumbers(sets.permitted ?? []));
    args.push('--caps-inheritable', capabilityNumbers(sets.inheritable ?? []), '--caps-ambient', capabilityNumbers(sets.ambient ?? []));
  }
  return args;
}

function namespaceArgs(spec: ContainerSpec): string[] {
  const args: string[] = [];
  if (!hasNamespace(spec, 'user')) args.push('--share-user');
  if (!hasNamespace(spec, 'uts')) args.push('--share-uts');
  if (!hasNamespace(spec, 'ipc')) args.push('--share-ipc');
  if (!hasNamespace(spec, 'pid')) args.push('--share-pid');
  if (hasNamespace(spec, 'cgroup')) args.push('--cgroupns');
  for (const namespace of spec.linux.namespaces) {
    if (namespace.path !== undefined) args.push('--join-ns', `${namespace.type}:${namespace.path}`);
  }
  return args;
}

function linuxArgs(spec: ContainerSpec): string[] {
  const { linux } = spec;
  const args = Object.entries(linux.sysctl ?? {}).flatMap(([key, value]) => ['--sysctl', `${key}=${value}`]);
  if (spec.domainname !== undefined) args.push('--domainname', spec.domainname);
  if (linux.maskedPaths !== undefined || linux.readonlyPaths !== undefined) args.push('--no-default-paths');
  for (const path of linux.maskedPaths ?? []) args.push('--masked-path', path);
  for (const path of linux.readonlyPaths ?? []) args.push('--read-only-path', path);
  if (linux.rootfsPropagation !== undefined) args.push('--rootfs-propagation', linux.rootfsPropagation);
  for (const device of linux.devices ?? []) args.push('--device', device.path);
  if (spec.onlyGivenMounts === true) args.push('--only-given-mounts');
  return args;
}

/**
 * The helper's flags for the spec fields OCI bundles bring: resource limits,
 * the OOM score, groups, capability sets, namespaces to share or join, kernel
 * parameters, masked and read-only paths, propagation and devices. None for
 * a spec without them.
 */
export function bundleFieldArgs(spec: ContainerSpec): string[] {
  return [...processArgs(spec), ...namespaceArgs(spec), ...linuxArgs(spec)];
}
