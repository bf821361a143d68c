import type { LimitFlags } from '../cgroup/cgroup-limits.js';
import type { ContainerOptions } from './container-options.js';

/** Where a container flag's value goes: a planContainer option, or one of its limits. */
export type FlagTarget = { option: Exclude<keyof ContainerOptions, 'limits' | 'args'> } | { limit: keyof LimitFlags };

export interface ContainerFlag {
  /** The flag of `ryouiki tenkai` and `start`, without its dashes. */
  flag: string;
  target: FlagTarget;
  /** The field of a bundle's config.json that says the same: given with --bundle, the flag is refused. */
  config?: string;
}

/**
 * The one table of the container's flags: each flag, the option of
 * planContainer (and of the library's request, see launch/plan.ts) it
 * becomes, and the config.json field that says it in a bundle.
 */
export const CONTAINER_FLAGS: ContainerFlag[] = [
  { flag: 'path', target: { option: 'path' }, config: 'root.path' },
  { flag: 'env', target: { option: 'envFile' }, config: 'process.env' },
  { flag: 'command', target: { option: 'command' }, config: 'process.args' },
  { flag: 'hostname', target: { option: 'hostname' }, config: 'hostname' },
  { flag: 'network', target: { option: 'network' } },
  { flag: 'publish', target: { option: 'publish' } },
  { flag: 'dns', target: { option: 'dns' } },
  { flag: 'add-host', target: { option: 'addHosts' } },
  { flag: 'workdir', target: { option: 'cwd' }, config: 'process.cwd' },
  { flag: 'tty', target: { option: 'tty' }, config: 'process.terminal' },
  { flag: 'user', target: { option: 'user' }, config: 'process.user' },
  { flag: 'userns', target: { option: 'userns' }, config: 'linux.uidMappings' },
  { flag: 'volume', target: { option: 'volumes' }, config: 'mounts' },
  { flag: 'tmpfs', target: { option: 'tmpfs' }, config: 'mounts' },
  { flag: 'read-only', target: { option: 'readOnly' }, config: 'root.readonly' },
  { flag: 'overlay', target: { option: 'overlay' }, config: 'root' },
  { flag: 'cap-add', target: { option: 'capAdd' }, config: 'process.capabilities' },
  { flag: 'cap-drop', target: { option: 'capDrop' }, config: 'process.capabilities' },
  { flag: 'privileged', target: { option: 'privileged' }, config: 'process.capabilities' },
  { flag: 'seccomp', target: { option: 'seccomp' }, config: 'linux.seccomp' },
  { flag: 'memory', target: { limit: 'memory' }, config: 'linux.resources.memory' },
  { flag: 'memory-swap', target: { limit: 'memorySwap' }, config: 'linux.resources.memory' },
  { flag: 'pids-limit', target: { limit: 'pidsLimit' }, config: 'linux.resources.pids' },
  { flag: 'cpus', target: { limit: 'cpus' }, config: 'linux.resources.cpu' },
  { flag: 'cpu-weight', target: { limit: 'cpuWeight' }, config: 'linux.resources.cpu' },
];

/** The container flags' values (as oclif parsed them) and the program after `--` as planContainer's options. */
export function optionsFromFlags(flags: Record<string, unknown>, args: string[]): ContainerOptions {
  const options: Record<string, unknown> = { args };
  const limits: Record<string, unknown> = {};
  for (const { flag, target } of CONTAINER_FLAGS) {
    if (flags[flag] === undefined) continue;
    if ('option' in target) options[target.option] = flags[flag];
    else limits[target.limit] = flags[flag];
  }
  return { ...(options as unknown as ContainerOptions), limits: limits as LimitFlags };
}
