import { Flags } from '@oclif/core';
import type { CgroupOptions } from '@ryouiki/core/internal';

/** Resource limits and cgroup placement, shared by the commands that start containers. */
export const cgroupFlags = {
  memory: Flags.string({ description: 'memory limit, such as 64m or 1g; the container is OOM-killed beyond it', helpGroup: 'RESOURCES' }),
  'memory-swap': Flags.string({ description: 'memory plus swap limit (needs --memory), or -1 for unlimited swap', helpGroup: 'RESOURCES' }),
  'pids-limit': Flags.string({ description: 'most processes (and threads) the container may have at once', helpGroup: 'RESOURCES' }),
  cpus: Flags.string({ description: 'CPU time, in CPUs: 0.5 is half of one CPU', helpGroup: 'RESOURCES' }),
  'cpu-weight': Flags.string({ description: 'CPU share under contention, 1 to 10000 (default 100)', helpGroup: 'RESOURCES' }),
  'cgroup-parent': Flags.string({ description: "cgroup below which the container's goes: absolute, or relative to your own (the default)", helpGroup: 'RESOURCES' }),
  cgroups: Flags.string({
    description: 'enabled: a cgroup of its own when one can be made; disabled: none (limits are then refused)',
    options: ['enabled', 'disabled'],
    default: 'enabled',
    helpGroup: 'RESOURCES',
  }),
};

export interface CgroupFlagValues {
  memory?: string;
  'memory-swap'?: string;
  'pids-limit'?: string;
  cpus?: string;
  'cpu-weight'?: string;
  'cgroup-parent'?: string;
  cgroups?: string;
}

export function cgroupOptions(flags: CgroupFlagValues): CgroupOptions {
  return { enabled: flags.cgroups !== 'disabled', parent: flags['cgroup-parent'] };
}
