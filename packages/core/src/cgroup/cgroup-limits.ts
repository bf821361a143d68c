import type { SpecProblem } from '../errors.js';
import type { BlockIO, LinuxResources, ThrottleDevice } from '../spec/spec.js';

/** The limit flags of `tenkai`, as given on the command line. */
export interface LimitFlags {
  memory?: string;
  memorySwap?: string;
  pidsLimit?: string;
  cpus?: string;
  cpuWeight?: string;
}

export const CPU_PERIOD_US = 100_000;
const MIN_CPU_QUOTA_US = 1000;
const SIZE = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i;
const UNIT_SHIFT: Record<string, number> = { '': 0, b: 0, k: 10, m: 20, g: 30, t: 40 };

/** `32m`, `1g`, `512k`, `1048576` as docker reads them: 1024-based, the unit's case ignored. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const [, number = '', unit = ''] = match;
  const bytes = Math.floor(Number(number) * 2 ** (UNIT_SHIFT[unit.toLowerCase()] ?? 0));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

function parseInteger(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

function problem(flag: string, message: string): SpecProblem {
  return { path: 'linux.resources', code: 'USAGE', message: `${flag} ${message}` };
}

function memoryLimits(flags: LimitFlags, resources: LinuxResources, problems: SpecProblem[]): void {
  const limit = flags.memory === undefined ? undefined : parseSize(flags.memory);
  if (flags.memory !== undefined && limit === undefined) problems.push(problem('--memory', `takes a size such as 64m or 1g, got ${JSON.stringify(flags.memory)}`));
  if (limit !== undefined) resources.memory = { limit };
  if (flags.memorySwap === undefined) return;
  const swap = flags.memorySwap.trim() === '-1' ? -1 : parseSize(flags.memorySwap);
  if (swap === undefined) problems.push(problem('--memory-swap', `takes a size (memory plus swap) such as 128m, or -1 for unlimited swap, got ${JSON.stringify(flags.memorySwap)}`));
  else if (flags.memory === undefined) problems.push(problem('--memory-swap', 'limits memory plus swap, so it needs --memory too: add --memory SIZE'));
  else if (limit !== undefined && swap !== -1 && swap < limit)
    problems.push(problem('--memory-swap', `(memory plus swap) must be at least --memory (${flags.memory}): raise it, or give -1 for unlimited swap`));
  else if (limit !== undefined) resources.memory = { limit, swap };
}

function pidsLimit(flags: LimitFlags, resources: LinuxResources, problems: SpecProblem[]): void {
  if (flags.pidsLimit === undefined) return;
  const limit = parseInteger(flags.pidsLimit, 1, 4_194_304);
  if (limit === undefined) problems.push(problem('--pids-limit', `takes a whole number of processes from 1 up, got ${JSON.stringify(flags.pidsLimit)}`));
  else resources.pids = { limit };
}

function cpuLimits(flags: LimitFlags, resources: LinuxResources, problems: SpecProblem[]): void {
  if (flags.cpus !== undefined) {
    const cpus = /^\d*\.?\d+$/.test(flags.cpus.trim()) ? Number(flags.cpus) : NaN;
    const quota = Math.round(cpus * CPU_PERIOD_US);
    if (!(quota >= MIN_CPU_QUOTA_US)) problems.push(problem('--cpus', `takes a number of CPUs of 0.01 or more, such as 0.5 or 2, got ${JSON.stringify(flags.cpus)}`));
    else resources.cpu = { ...resources.cpu, quota, period: CPU_PERIOD_US };
  }
  if (flags.cpuWeight !== undefined) {
    const weight = parseInteger(flags.cpuWeight, 1, 10_000);
    if (weight === undefined) problems.push(problem('--cpu-weight', `takes a whole number from 1 to 10000 (100 is the default share), got ${JSON.stringify(flags.cpuWeight)}`));
    else resources.unified = { ...resources.unified, 'cpu.weight': String(weight) };
  }
}

/** The OCI resources the limit flags ask for, and every problem with them. */
export function resourcesFromFlags(flags: LimitFlags): { resources?: LinuxResources; problems: SpecProblem[] } {
  const resources: LinuxResources = {};
  const problems: SpecProblem[] = [];
  memoryLimits(flags, resources, problems);
  pidsLimit(flags, resources, problems);
  cpuLimits(flags, resources, problems);
  return Object.keys(resources).length > 0 ? { resources, problems } : { problems };
}

/** One limit to enforce: the controller it needs (v1's name) and the flag or JSON path that asked for it (for messages). */
export interface RequiredController {
  controller: 'memory' | 'pids' | 'cpu' | 'cpuset' | 'blkio' | 'hugetlb' | 'net_cls' | 'net_prio';
  flag: string;
  /** The limit needs swap accounting (memory.memsw.* on v1, memory.swap.max on v2). */
  swap?: boolean;
  /** Only cgroup v1 has the setting: cgroup v2 alone ignores it with a warning, as runc does. */
  v1Only?: boolean;
}

/** The controller's name in a hierarchy: v2 calls blkio io. */
export function controllerName(controller: string, version: 1 | 2): string {
  return version === 2 && controller === 'blkio' ? 'io' : controller;
}

function oneIfAny(required: RequiredController[], controller: RequiredController['controller'], paths: [string, unknown][], v1Only = false): void {
  const given = paths.filter(([, value]) => value !== undefined).map(([path]) => path);
  if (given.length > 0) required.push({ controller, flag: given.join(', '), ...(v1Only ? { v1Only } : {}) });
}

const RESOURCES = 'linux.resources';

/** What a bundle's other resources need (each named by its JSON path). */
function ociRequired(resources: LinuxResources, required: RequiredController[]): void {
  const { memory, cpu, blockIO, network } = resources;
  oneIfAny(required, 'memory', [[`${RESOURCES}.memory.reservation`, memory?.reservation]]);
  const v1Memory: [string, unknown][] = (['swappiness', 'disableOOMKiller', 'kernelTCP'] as const).map((field) => [`${RESOURCES}.memory.${field}`, memory?.[field]]);
  oneIfAny(required, 'memory', v1Memory, true);
  oneIfAny(required, 'cpuset', [
    [`${RESOURCES}.cpu.cpus`, cpu?.cpus],
    [`${RESOURCES}.cpu.mems`, cpu?.mems],
  ]);
  const throttles = (['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const).map((list): [string, unknown] => [
    `${RESOURCES}.blockIO.${list}`,
    blockIO?.[list],
  ]);
  oneIfAny(required, 'blkio', [[`${RESOURCES}.blockIO.weight`, blockIO?.weight], ...throttles]);
  oneIfAny(
    required,
    'blkio',
    [
      [`${RESOURCES}.blockIO.leafWeight`, blockIO?.leafWeight],
      [`${RESOURCES}.blockIO.weightDevice`, blockIO?.weightDevice],
    ],
    true,
  );
  oneIfAny(required, 'hugetlb', [[`${RESOURCES}.hugepageLimits`, resources.hugepageLimits]]);
  oneIfAny(required, 'net_cls', [[`${RESOURCES}.network.classID`, network?.classID]], true);
  oneIfAny(required, 'net_prio', [[`${RESOURCES}.network.priorities`, network?.priorities]], true);
}

/** Warnings for what is read but never applied: the kernel memory limit, which runc ignores too (Linux deprecated it in 5.4). */
export function ignoredResources(resources: LinuxResources | undefined): string[] {
  return resources?.memory?.kernel === undefined ? [] : [`${RESOURCES}.memory.kernel: kernel memory limits are deprecated (Linux 5.4): ignored, as runc ignores them`];
}

export function requiredControllers(resources: LinuxResources | undefined): RequiredController[] {
  const required: RequiredController[] = [];
  if (resources?.memory?.limit !== undefined) required.push({ controller: 'memory', flag: '--memory' });
  if (resources?.memory?.swap !== undefined) required.push({ controller: 'memory', flag: '--memory-swap', swap: true });
  if (resources?.pids !== undefined) required.push({ controller: 'pids', flag: '--pids-limit' });
  if (resources?.cpu?.quota !== undefined) required.push({ controller: 'cpu', flag: '--cpus' });
  if (resources?.cpu?.shares !== undefined || resources?.unified?.['cpu.weight'] !== undefined) required.push({ controller: 'cpu', flag: '--cpu-weight' });
  if (resources !== undefined) ociRequired(resources, required);
  return required;
}

/** One value written to a cgroup file; the order of a list matters (v1 wants the period before the quota). */
export interface CgroupWrite {
  /** The controller's name in the hierarchy written (io, not blkio, on v2). */
  controller: string;
  file: string;
  value: string;
  /** Written instead when `file` does not exist (blkio's and io's weight without BFQ). */
  orElse?: { file: string; value: string };
}

/** cgroup v2's cpu.weight (1..10000, default 100) as v1's cpu.shares (2..262144, default 1024). */
export function weightToShares(weight: number): number {
  return Math.min(262_144, Math.max(2, Math.round((weight * 1024) / 100)));
}

/** v1's cpu.shares as v2's cpu.weight, the conversion crun and systemd use. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((Math.min(262_144, Math.max(2, shares)) - 2) * 9999) / 262_142);
}

function cpuWeight(resources: LinuxResources): number | undefined {
  const unified = resources.unified?.['cpu.weight'];
  if (unified !== undefined) return Number(unified);
  return resources.cpu?.shares === undefined ? undefined : sharesToWeight(resources.cpu.shares);
}

function cpuShares(resources: LinuxResources): number | undefined {
  const unified = resources.unified?.['cpu.weight'];
  if (unified !== undefined) return weightToShares(Number(unified));
  return resources.cpu?.shares;
}

function deviceWrites(controller: string, file: string, devices: ThrottleDevice[] | undefined, format: (device: ThrottleDevice) => string): CgroupWrite[] {
  return (devices ?? []).map((device) => ({ controller, file, value: format(device) }));
}

/** blockIO's weight as v2's io.weight (1..10000, default 100), the conversion runc uses. */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

function v2BlockIO(blockIO: BlockIO | undefined): CgroupWrite[] {
  if (blockIO === undefined) return [];
  const writes: CgroupWrite[] = [];
  if (blockIO.weight !== undefined)
    writes.push({ controller: 'io', file: 'io.bfq.weight', value: String(blockIO.weight), orElse: { file: 'io.weight', value: String(blkioToIoWeight(blockIO.weight)) } });
  const limits = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ] as const;
  for (const [list, key] of limits) writes.push(...deviceWrites('io', 'io.max', blockIO[list], (device) => `${device.major}:${device.minor} ${key}=${device.rate}`));
  return writes;
}

function v1BlockIO(blockIO: BlockIO | undefined): CgroupWrite[] {
  if (blockIO === undefined) return [];
  const writes: CgroupWrite[] = [];
  if (blockIO.weight !== undefined) writes.push({ controller: 'blkio', file: 'blkio.bfq.weight', value: String(blockIO.weight), orElse: { file: 'blkio.weight', value: String(blockIO.weight) } });
  if (blockIO.leafWeight !== undefined) writes.push({ controller: 'blkio', file: 'blkio.leaf_weight', value: String(blockIO.leafWeight) });
  for (const device of blockIO.weightDevice ?? []) {
    const numbers = `${device.major}:${device.minor}`;
    if (device.weight !== undefined)
      writes.push({ controller: 'blkio', file: 'blkio.bfq.weight_device', value: `${numbers} ${device.weight}`, orElse: { file: 'blkio.weight_device', value: `${numbers} ${device.weight}` } });
    if (device.leafWeight !== undefined) writes.push({ controller: 'blkio', file: 'blkio.leaf_weight_device', value: `${numbers} ${device.leafWeight}` });
  }
  const limits = [
    ['throttleReadBpsDevice', 'read_bps'],
    ['throttleWriteBpsDevice', 'write_bps'],
    ['throttleReadIOPSDevice', 'read_iops'],
    ['throttleWriteIOPSDevice', 'write_iops'],
  ] as const;
  for (const [list, file] of limits) writes.push(...deviceWrites('blkio', `blkio.throttle.${file}_device`, blockIO[list], (device) => `${device.major}:${device.minor} ${device.rate}`));
  return writes;
}

/** cpuset's files, the same on v1 and v2: the CPUs before the memory nodes. */
function cpusetWrites(cpu: LinuxResources['cpu']): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  if (cpu?.cpus !== undefined) writes.push({ controller: 'cpuset', file: 'cpuset.cpus', value: cpu.cpus });
  if (cpu?.mems !== undefined) writes.push({ controller: 'cpuset', file: 'cpuset.mems', value: cpu.mems });
  return writes;
}

function hugetlbWrites(limits: LinuxResources['hugepageLimits'], suffix: string): CgroupWrite[] {
  return (limits ?? []).map((limit) => ({ controller: 'hugetlb', file: `hugetlb.${limit.pageSize}.${suffix}`, value: String(limit.limit) }));
}

/** The cgroup v2 files that enforce the resources (v2 has no swappiness, OOM-killer switch, kernel TCP memory, leaf weights, device weights or network classes). */
export function v2Writes(resources: LinuxResources): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const { memory, pids, cpu } = resources;
  if (memory?.limit !== undefined) writes.push({ controller: 'memory', file: 'memory.max', value: String(memory.limit) });
  if (memory?.swap !== undefined) {
    const swapOnly = memory.swap === -1 || memory.limit === undefined ? 'max' : String(memory.swap - memory.limit);
    writes.push({ controller: 'memory', file: 'memory.swap.max', value: swapOnly });
  }
  if (memory?.reservation !== undefined) writes.push({ controller: 'memory', file: 'memory.low', value: memory.reservation === -1 ? 'max' : String(memory.reservation) });
  if (pids !== undefined) writes.push({ controller: 'pids', file: 'pids.max', value: String(pids.limit) });
  if (cpu?.quota !== undefined) writes.push({ controller: 'cpu', file: 'cpu.max', value: `${cpu.quota} ${cpu.period ?? CPU_PERIOD_US}` });
  const weight = cpuWeight(resources);
  if (weight !== undefined) writes.push({ controller: 'cpu', file: 'cpu.weight', value: String(weight) });
  return [...writes, ...cpusetWrites(cpu), ...v2BlockIO(resources.blockIO), ...hugetlbWrites(resources.hugepageLimits, 'max')];
}

function v1MemoryExtras(memory: LinuxResources['memory']): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  if (memory?.reservation !== undefined) writes.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(memory.reservation) });
  if (memory?.kernelTCP !== undefined) writes.push({ controller: 'memory', file: 'memory.kmem.tcp.limit_in_bytes', value: String(memory.kernelTCP) });
  if (memory?.swappiness !== undefined) writes.push({ controller: 'memory', file: 'memory.swappiness', value: String(memory.swappiness) });
  if (memory?.disableOOMKiller === true) writes.push({ controller: 'memory', file: 'memory.oom_control', value: '1' });
  return writes;
}

function v1Network(network: LinuxResources['network']): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  if (network?.classID !== undefined) writes.push({ controller: 'net_cls', file: 'net_cls.classid', value: String(network.classID) });
  for (const entry of network?.priorities ?? []) writes.push({ controller: 'net_prio', file: 'net_prio.ifpriomap', value: `${entry.name} ${entry.priority}` });
  return writes;
}

/** The cgroup v1 files that enforce the resources: the memory limit before memory+swap, the period before the quota. */
export function v1Writes(resources: LinuxResources): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const { memory, pids, cpu } = resources;
  if (memory?.limit !== undefined) writes.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(memory.limit) });
  if (memory?.swap !== undefined) writes.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(memory.swap) });
  if (pids !== undefined) writes.push({ controller: 'pids', file: 'pids.max', value: String(pids.limit) });
  if (cpu?.quota !== undefined) {
    writes.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(cpu.period ?? CPU_PERIOD_US) });
    writes.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(cpu.quota) });
  }
  const shares = cpuShares(resources);
  if (shares !== undefined) writes.push({ controller: 'cpu', file: 'cpu.shares', value: String(shares) });
  const extras = [...v1MemoryExtras(memory), ...cpusetWrites(cpu), ...v1BlockIO(resources.blockIO), ...hugetlbWrites(resources.hugepageLimits, 'limit_in_bytes')];
  return [...writes, ...extras, ...v1Network(resources.network)];
}
