import type { SpecProblem } from './errors.js';
import type { LinuxResources } from './spec.js';

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
  else if (limit !== undefined && swap !== -1 && swap < limit) problems.push(problem('--memory-swap', `(memory plus swap) must be at least --memory (${flags.memory}): raise it, or give -1 for unlimited swap`));
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

/** One limit to enforce: the controller it needs and the flag that asked for it (for messages). */
export interface RequiredController {
  controller: 'memory' | 'pids' | 'cpu';
  flag: string;
  /** The limit needs swap accounting (memory.memsw.* on v1, memory.swap.max on v2). */
  swap?: boolean;
}

export function requiredControllers(resources: LinuxResources | undefined): RequiredController[] {
  const required: RequiredController[] = [];
  if (resources?.memory?.limit !== undefined) required.push({ controller: 'memory', flag: '--memory' });
  if (resources?.memory?.swap !== undefined) required.push({ controller: 'memory', flag: '--memory-swap', swap: true });
  if (resources?.pids !== undefined) required.push({ controller: 'pids', flag: '--pids-limit' });
  if (resources?.cpu?.quota !== undefined) required.push({ controller: 'cpu', flag: '--cpus' });
  if (resources?.cpu?.shares !== undefined || resources?.unified?.['cpu.weight'] !== undefined) required.push({ controller: 'cpu', flag: '--cpu-weight' });
  return required;
}

/** One value written to a cgroup file; the order of a list matters (v1 wants the period before the quota). */
export interface CgroupWrite {
  controller: 'memory' | 'pids' | 'cpu';
  file: string;
  value: string;
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

/** The cgroup v2 files that enforce the resources. */
export function v2Writes(resources: LinuxResources): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const { memory, pids, cpu } = resources;
  if (memory?.limit !== undefined) writes.push({ controller: 'memory', file: 'memory.max', value: String(memory.limit) });
  if (memory?.swap !== undefined) {
    const swapOnly = memory.swap === -1 || memory.limit === undefined ? 'max' : String(memory.swap - memory.limit);
    writes.push({ controller: 'memory', file: 'memory.swap.max', value: swapOnly });
  }
  if (pids !== undefined) writes.push({ controller: 'pids', file: 'pids.max', value: String(pids.limit) });
  if (cpu?.quota !== undefined) writes.push({ controller: 'cpu', file: 'cpu.max', value: `${cpu.quota} ${cpu.period ?? CPU_PERIOD_US}` });
  const weight = cpuWeight(resources);
  if (weight !== undefined) writes.push({ controller: 'cpu', file: 'cpu.weight', value: String(weight) });
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
  return writes;
}
