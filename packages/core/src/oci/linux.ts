import { isRyouikiError } from '../errors.js';
import { seccompRules, type Seccomp, type SeccompSyscall } from '../spec/seccomp.js';
import type { BlockIO, IdMapping, Linux, LinuxDevice, LinuxResources, Namespace, NamespaceType, ThrottleDevice, WeightDevice } from '../spec/spec.js';
import type { OciReader } from './reader.js';

const NAMESPACE_TYPES: NamespaceType[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'network', 'cgroup', 'time'];
/**
 * A rootless container lives in its own user namespace; without one of its
 * own, Ryouiki still makes one, mapping only the caller (as root: none, as
 * runc). Its mounts and pivot_root need a mount namespace of its own.
 */
const ALWAYS_OWN: NamespaceType[] = ['mount'];
const NOT_YET: NamespaceType[] = ['time'];
export const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];
const DEVICE_TYPES = ['c', 'b', 'u', 'p'];
const SECCOMP_ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG'];
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
const UTS_SYSCTLS = ['kernel.hostname', 'kernel.domainname'];

/** linux fields of the runtime-spec that Ryouiki does not implement. */
const UNSUPPORTED_LINUX = ['timeOffsets', 'mountLabel', 'intelRdt', 'personality', 'netDevices', 'memoryPolicy'];
const UNSUPPORTED_RESOURCES = ['rdma'];
const UNSUPPORTED_MEMORY = ['useHierarchy', 'checkBeforeUpdate'];
const UNSUPPORTED_CPU = ['burst', 'realtimeRuntime', 'realtimePeriod', 'idle'];
const THROTTLE_LISTS = ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const;
/** cpuset's list syntax: 0-3,5 */
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
const PAGE_SIZE = /^\d+[KMG]B$/;
const BLKIO_WEIGHT = [10, 1000] as const;

function namespaces(value: unknown, reader: OciReader, asRoot: boolean): Namespace[] {
  const seen = new Set<NamespaceType>();
  const list = reader.list(value, 'linux.namespaces').map((item, index) => {
    const at = `linux.namespaces[${index}]`;
    const namespace = reader.object(item, at);
    const type = reader.string(namespace.type, `${at}.type`) as NamespaceType;
    if (!NAMESPACE_TYPES.includes(type)) throw reader.invalid(`${at}.type`, `${JSON.stringify(type)} is not a namespace type: use one of ${NAMESPACE_TYPES.join(', ')}`);
    if (seen.has(type)) throw reader.invalid(`${at}.type`, `the ${type} namespace is given twice`);
    seen.add(type);
    const path = reader.optionalString(namespace.path, `${at}.path`);
    if (NOT_YET.includes(type)) reader.unsupported.push(`${at} (${type})`);
    if (path === undefined || path === '') return { type };
    if (type === 'mount') {
      reader.unsupported.push(`${at}.path (joining a mount namespace: the container's mounts and pivot_root would change that namespace's)`);
      return { type };
    }
    return { type, path: reader.absolutePath(path, `${at}.path`) };
  });
  for (const type of ALWAYS_OWN) {
    if (!seen.has(type)) reader.unsupported.push(`linux.namespaces (no ${type} namespace: sharing the host's, where the container's mounts and pivot_root would change the host's)`);
  }
  const own: Namespace[] = list.filter((namespace) => !NOT_YET.includes(namespace.type));
  const added: NamespaceType[] = asRoot ? ALWAYS_OWN : ['user', ...ALWAYS_OWN];
  for (const type of added) if (!seen.has(type)) own.push({ type });
  return own;
}

function idMappings(value: unknown, path: string, reader: OciReader): IdMapping[] | undefined {
  const list = reader.list(value, path).map((item, index) => {
    const at = `${path}[${index}]`;
    const mapping = reader.object(item, at);
    return {
      containerID: reader.integer(mapping.containerID, `${at}.containerID`, 0, 0xfffffffe),
      hostID: reader.integer(mapping.hostID, `${at}.hostID`, 0, 0xfffffffe),
      size: reader.integer(mapping.size, `${at}.size`, 1, 0xffffffff),
    };
  });
  return list.length > 0 ? list : undefined;
}

function memory(value: unknown, reader: OciReader): LinuxResources['memory'] {
  const object = reader.optionalObject(value, 'linux.resources.memory');
  if (object === undefined) return undefined;
  reader.unsupportedFields(object, UNSUPPORTED_MEMORY, 'linux.resources.memory');
  const limit = reader.optionalInteger(object.limit, 'linux.resources.memory.limit', -1);
  const swap = reader.optionalInteger(object.swap, 'linux.resources.memory.swap', -1);
  const result: NonNullable<LinuxResources['memory']> = {};
  if (limit !== undefined && limit > 0) result.limit = limit;
  if (swap !== undefined && swap !== 0 && result.limit !== undefined) {
    if (swap !== -1 && swap < result.limit) throw reader.invalid('linux.resources.memory.swap', `(memory plus swap, ${swap}) must be at least the memory limit (${result.limit}), or -1`);
    result.swap = swap;
  }
  const reservation = reader.optionalInteger(object.reservation, 'linux.resources.memory.reservation', -1);
  if (reservation !== undefined && reservation !== 0) result.reservation = reservation;
  const swappiness = unlessUnset(object.swappiness);
  if (swappiness !== undefined) result.swappiness = reader.integer(swappiness, 'linux.resources.memory.swappiness', 0, 100);
  if (reader.boolean(object.disableOOMKiller, 'linux.resources.memory.disableOOMKiller') === true) result.disableOOMKiller = true;
  for (const field of ['kernel', 'kernelTCP'] as const) {
    const bytes = reader.optionalInteger(object[field], `linux.resources.memory.${field}`, -1);
    if (bytes !== undefined && bytes !== 0) result[field] = bytes;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** swappiness is a uint64 whose -1 (2^64 - 1 as JSON gives it) means unset, as runc reads it. */
function unlessUnset(value: unknown): unknown {
  return value === null || value === -1 || value === 2 ** 64 ? undefined : value;
}

function cpu(value: unknown, reader: OciReader): LinuxResources['cpu'] {
  const object = reader.optionalObject(value, 'linux.resources.cpu');
  if (object === undefined) return undefined;
  reader.unsupportedFields(object, UNSUPPORTED_CPU, 'linux.resources.cpu');
  const shares = reader.optionalInteger(object.shares, 'linux.resources.cpu.shares', 0, 262_144);
  const quota = reader.optionalInteger(object.quota, 'linux.resources.cpu.quota', -1);
  const period = reader.optionalInteger(object.period, 'linux.resources.cpu.period', 0, 1_000_000);
  const result: NonNullable<LinuxResources['cpu']> = {};
  if (shares !== undefined && shares > 0) result.shares = shares;
  if (quota !== undefined && quota > 0) {
    result.quota = quota;
    if (period !== undefined && period > 0) result.period = period;
  }
  for (const field of ['cpus', 'mems'] as const) {
    const list = reader.optionalString(object[field], `linux.resources.cpu.${field}`)?.trim();
    if (list === undefined || list === '') continue;
    if (!CPU_LIST.test(list)) throw reader.invalid(`linux.resources.cpu.${field}`, `must be a list of numbers and ranges such as 0-2,4, got ${JSON.stringify(list)}`);
    result[field] = list;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function blkioWeight(value: unknown, path: string, reader: OciReader): number | undefined {
  const weight = reader.optionalInteger(value, path, 0, BLKIO_WEIGHT[1]);
  if (weight === undefined || weight === 0) return undefined;
  if (weight < BLKIO_WEIGHT[0]) throw reader.invalid(path, `must be from ${BLKIO_WEIGHT[0]} to ${BLKIO_WEIGHT[1]} (or 0 for none), got ${weight}`);
  return weight;
}

function deviceNumbers(device: Record<string, unknown>, at: string, reader: OciReader): { major: number; minor: number } {
  return { major: reader.integer(device.major, `${at}.major`, 0, 0xfff), minor: reader.integer(device.minor, `${at}.minor`, 0, 0xfffff) };
}

function weightDevices(value: unknown, reader: OciReader): WeightDevice[] {
  return reader.list(value, 'linux.resources.blockIO.weightDevice').flatMap((item, index) => {
    const at = `linux.resources.blockIO.weightDevice[${index}]`;
    const device = reader.object(item, at);
    const result: WeightDevice = deviceNumbers(device, at, reader);
    const weight = blkioWeight(device.weight, `${at}.weight`, reader);
    const leafWeight = blkioWeight(device.leafWeight, `${at}.leafWeight`, reader);
    if (weight !== undefined) result.weight = weight;
    if (leafWeight !== undefined) result.leafWeight = leafWeight;
    return weight === undefined && leafWeight === undefined ? [] : [result];
  });
}

function throttleDevices(value: unknown, path: string, reader: OciReader): ThrottleDevice[] {
  return reader.list(value, path).map((item, index) => {
    const at = `${path}[${index}]`;
    const device = reader.object(item, at);
    return { ...deviceNumbers(device, at, reader), rate: reader.integer(device.rate, `${at}.rate`, 0) };
  });
}

function blockIO(value: unknown, reader: OciReader): BlockIO | undefined {
  const object = reader.optionalObject(value, 'linux.resources.blockIO');
  if (object === undefined) return undefined;
  const result: BlockIO = {};
  const weight = blkioWeight(object.weight, 'linux.resources.blockIO.weight', reader);
  const leafWeight = blkioWeight(object.leafWeight, 'linux.resources.blockIO.leafWeight', reader);
  if (weight !== undefined) result.weight = weight;
  if (leafWeight !== undefined) result.leafWeight = leafWeight;
  const devices = weightDevices(object.weightDevice, reader);
  if (devices.length > 0) result.weightDevice = devices;
  for (const list of THROTTLE_LISTS) {
    const throttles = throttleDevices(object[list], `linux.resources.blockIO.${list}`, reader);
    if (throttles.length > 0) result[list] = throttles;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function hugepageLimits(value: unknown, reader: OciReader): LinuxResources['hugepageLimits'] {
  const limits = reader.list(value, 'linux.resources.hugepageLimits').map((item, index) => {
    const at = `linux.resources.hugepageLimits[${index}]`;
    const entry = reader.object(item, at);
    const pageSize = reader.string(entry.pageSize, `${at}.pageSize`);
    if (!PAGE_SIZE.test(pageSize)) throw reader.invalid(`${at}.pageSize`, `must be a size as hugetlb's files name it, such as 2MB or 1GB, got ${JSON.stringify(pageSize)}`);
    return { pageSize, limit: reader.integer(entry.limit, `${at}.limit`, 0) };
  });
  return limits.length > 0 ? limits : undefined;
}

function networkClasses(value: unknown, reader: OciReader): LinuxResources['network'] {
  const object = reader.optionalObject(value, 'linux.resources.network');
  if (object === undefined) return undefined;
  const result: NonNullable<LinuxResources['network']> = {};
  const classID = reader.optionalInteger(object.classID, 'linux.resources.network.classID', 0, 0xffffffff);
  if (classID !== undefined && classID !== 0) result.classID = classID;
  const priorities = reader.list(object.priorities, 'linux.resources.network.priorities').map((item, index) => {
    const at = `linux.resources.network.priorities[${index}]`;
    const entry = reader.object(item, at);
    const name = reader.string(entry.name, `${at}.name`);
    if (!/^[^\s/]{1,15}$/.test(name)) throw reader.invalid(`${at}.name`, `must be a network interface name, got ${JSON.stringify(name)}`);
    return { name, priority: reader.integer(entry.priority, `${at}.priority`, 0, 0xffffffff) };
  });
  if (priorities.length > 0) result.priorities = priorities;
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * linux.resources as the spec's limits (also the LinuxResources an engine's
 * `update` gives), enforced through the container's cgroup.
 * resources.devices is accepted: a rootless container cannot make device
 * nodes, so it reaches only those in linux.devices and the default set.
 */
export function translateResources(value: unknown, reader: OciReader): LinuxResources | undefined {
  const object = reader.optionalObject(value, 'linux.resources');
  if (object === undefined) return undefined;
  reader.unsupportedFields(object, UNSUPPORTED_RESOURCES, 'linux.resources');
  reader.list(object.devices, 'linux.resources.devices').forEach((rule, index) => reader.object(rule, `linux.resources.devices[${index}]`));
  const result: LinuxResources = {};
  const memoryLimits = memory(object.memory, reader);
  if (memoryLimits !== undefined) result.memory = memoryLimits;
  const pids = reader.optionalObject(object.pids, 'linux.resources.pids');
  const pidsLimit = pids === undefined ? undefined : reader.integer(pids.limit, 'linux.resources.pids.limit', -1);
  if (pidsLimit !== undefined && pidsLimit > 0) result.pids = { limit: pidsLimit };
  const cpuLimits = cpu(object.cpu, reader);
  if (cpuLimits !== undefined) result.cpu = cpuLimits;
  const io = blockIO(object.blockIO, reader);
  if (io !== undefined) result.blockIO = io;
  const hugepages = hugepageLimits(object.hugepageLimits, reader);
  if (hugepages !== undefined) result.hugepageLimits = hugepages;
  const network = networkClasses(object.network, reader);
  if (network !== undefined) result.network = network;
  const unified = reader.stringMap(object.unified, 'linux.resources.unified');
  for (const key of Object.keys(unified)) {
    if (key !== 'cpu.weight') reader.unsupported.push(`linux.resources.unified[${JSON.stringify(key)}]`);
  }
  if (unified['cpu.weight'] !== undefined) result.unified = { 'cpu.weight': unified['cpu.weight'] };
  return Object.keys(result).length > 0 ? result : undefined;
}

/** The namespace a kernel parameter belongs to, or undefined when it is the host's. */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  if (key.startsWith('net.')) return 'network';
  if (key.startsWith('fs.mqueue.') || IPC_SYSCTLS.includes(key)) return 'ipc';
  if (UTS_SYSCTLS.includes(key)) return 'uts';
  return undefined;
}

function sysctl(value: unknown, own: Namespace[], reader: OciReader): Record<string, string> | undefined {
  const map = reader.stringMap(value, 'linux.sysctl');
  const result: Record<string, string> = {};
  for (const [given, setting] of Object.entries(map)) {
    const key = given.replaceAll('/', '.');
    const at = `linux.sysctl[${JSON.stringify(given)}]`;
    const namespace = sysctlNamespace(key);
    if (namespace === undefined) reader.unsupported.push(`${at} (not namespaced: it would change the host)`);
    else if (!own.some((item) => item.type === namespace)) reader.unsupported.push(`${at} (needs the container's own ${namespace} namespace)`);
    else result[key] = setting;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function seccomp(value: unknown, reader: OciReader): Seccomp | undefined {
  const object = reader.optionalObject(value, 'linux.seccomp');
  if (object === undefined) return undefined;
  reader.unsupportedFields(object, ['flags', 'listenerPath', 'listenerMetadata'], 'linux.seccomp');
  const defaultAction = reader.string(object.defaultAction, 'linux.seccomp.defaultAction');
  if (!SECCOMP_ACTIONS.includes(defaultAction)) reader.unsupported.push(`linux.seccomp.defaultAction (${defaultAction})`);
  const syscalls = reader.list(object.syscalls, 'linux.seccomp.syscalls').filter((item, index) => {
    const at = `linux.seccomp.syscalls[${index}]`;
    const action = reader.string(reader.object(item, at).action, `${at}.action`);
    if (SECCOMP_ACTIONS.includes(action)) return true;
    reader.unsupported.push(`${at}.action (${action})`);
    return false;
  }) as SeccompSyscall[];
  const profile: Seccomp = { defaultAction: SECCOMP_ACTIONS.includes(defaultAction) ? defaultAction : 'SCMP_ACT_ERRNO', syscalls };
  const errnoRet = reader.optionalInteger(object.defaultErrnoRet, 'linux.seccomp.defaultErrnoRet', 0, 4095);
  if (errnoRet !== undefined) profile.defaultErrnoRet = errnoRet;
  const architectures = reader.stringList(object.architectures, 'linux.seccomp.architectures');
  if (architectures.length > 0) profile.architectures = architectures;
  try {
    seccompRules(profile, 'linux.seccomp');
  } catch (error) {
    if (!isRyouikiError(error)) throw error;
    throw reader.invalid('linux.seccomp', error.message.replace(/^linux\.seccomp: /, ': '));
  }
  return profile;
}

function devices(value: unknown, reader: OciReader): LinuxDevice[] | undefined {
  const list = reader.list(value, 'linux.devices').map((item, index) => {
    const at = `linux.devices[${index}]`;
    const device = reader.object(item, at);
    const type = reader.string(device.type, `${at}.type`);
    if (!DEVICE_TYPES.includes(type)) throw reader.invalid(`${at}.type`, `must be c, b, u or p, got ${JSON.stringify(type)}`);
    const result: LinuxDevice = { path: reader.absolutePath(device.path, `${at}.path`), type };
    for (const field of ['major', 'minor', 'fileMode', 'uid', 'gid'] as const) {
      const number = reader.optionalInteger(device[field], `${at}.${field}`, 0, 0xffffffff);
      if (number !== undefined) result[field] = number;
    }
    return result;
  });
  return list.length > 0 ? list : undefined;
}

function pathList(value: unknown, path: string, reader: OciReader): string[] {
  return reader.list(value, path).map((item, index) => reader.absolutePath(item, `${path}[${index}]`));
}

/** config.json's linux as the spec's, and its cgroupsPath (Ryouiki places the cgroup itself; see the README). */
export function translateLinux(value: unknown, reader: OciReader, asRoot = false): { linux: Linux; cgroupsPath?: string } {
  const object = reader.optionalObject(value, 'linux') ?? {};
  reader.unsupportedFields(object, UNSUPPORTED_LINUX, 'linux');
  const linux: Linux = { namespaces: namespaces(object.namespaces, reader, asRoot) };
  const uidMappings = idMappings(object.uidMappings, 'linux.uidMappings', reader);
  const gidMappings = idMappings(object.gidMappings, 'linux.gidMappings', reader);
  // A user namespace joined by path has its maps already.
  const joinsUser = linux.namespaces.some((namespace) => namespace.type === 'user' && namespace.path !== undefined);
  if ((uidMappings === undefined) !== (gidMappings === undefined)) {
    throw reader.invalid(uidMappings === undefined ? 'linux.uidMappings' : 'linux.gidMappings', 'is needed too: give both id maps, or neither');
  }
  if (uidMappings !== undefined && !joinsUser) linux.uidMappings = uidMappings;
  if (gidMappings !== undefined && !joinsUser) linux.gidMappings = gidMappings;
  const limits = translateResources(object.resources, reader);
  if (limits !== undefined) linux.resources = limits;
  const parameters = sysctl(object.sysctl, linux.namespaces, reader);
  if (parameters !== undefined) linux.sysctl = parameters;
  const profile = seccomp(object.seccomp, reader);
  if (profile !== undefined) linux.seccomp = profile;
  if (object.maskedPaths !== undefined && object.maskedPaths !== null) linux.maskedPaths = pathList(object.maskedPaths, 'linux.maskedPaths', reader);
  if (object.readonlyPaths !== undefined && object.readonlyPaths !== null) linux.readonlyPaths = pathList(object.readonlyPaths, 'linux.readonlyPaths', reader);
  const propagation = reader.optionalString(object.rootfsPropagation, 'linux.rootfsPropagation');
  if (propagation !== undefined && propagation !== '') {
    if (!PROPAGATIONS.includes(propagation)) throw reader.invalid('linux.rootfsPropagation', `must be one of ${PROPAGATIONS.join(', ')}, got ${JSON.stringify(propagation)}`);
    linux.rootfsPropagation = propagation;
  }
  const nodes = devices(object.devices, reader);
  if (nodes !== undefined) linux.devices = nodes;
  const cgroupsPath = reader.optionalString(object.cgroupsPath, 'linux.cgroupsPath');
  return cgroupsPath === undefined || cgroupsPath === '' ? { linux } : { linux, cgroupsPath };
}
