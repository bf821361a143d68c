import { optionsFromFlags, planContainer, type ContainerPlan } from '@ryouiki/core/internal';
import type { CgroupFlagValues } from './cgroup-flags.js';

/** The container flags tenkai defines and start shares. */
export interface ContainerFlags extends CgroupFlagValues {
  path: string;
  env?: string;
  command?: string;
  hostname?: string;
  network?: string;
  publish?: string[];
  dns?: string[];
  'add-host'?: string[];
  workdir?: string;
  tty?: boolean;
  user?: string;
  userns?: string;
  volume?: string[];
  tmpfs?: string[];
  'read-only'?: boolean;
  overlay?: boolean;
  'cap-add'?: string[];
  'cap-drop'?: string[];
  privileged?: boolean;
  seccomp?: string;
}

/** Turns tenkai's flags (also start's) and the arguments after `--` into a validated plan, through the one flag table. */
export function planFromFlags(flags: ContainerFlags, argv: unknown[]): ContainerPlan {
  return planContainer(optionsFromFlags({ ...flags }, argv as string[]));
}
