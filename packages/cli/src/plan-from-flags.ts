import { planContainer, type ContainerPlan } from '@ryouiki/core';
import type { ImageChoice } from './image-flags.js';
import { limitFlags, type CgroupFlagValues } from './cgroup-flags.js';

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

/** Turns tenkai's flags (also start's) and the arguments after `--` into a validated plan. */
export function planFromFlags(flags: ContainerFlags, argv: unknown[], image?: ImageChoice): ContainerPlan {
  return planContainer({
    image: image?.image,
    entrypoint: image?.entrypoint,
    path: flags.path,
    envFile: flags.env,
    command: flags.command,
    args: image?.args ?? (argv as string[]),
    hostname: flags.hostname,
    network: flags.network,
    publish: image?.publish ?? flags.publish,
    dns: flags.dns,
    addHosts: flags['add-host'],
    cwd: flags.workdir,
    limits: limitFlags(flags),
    tty: flags.tty,
    user: flags.user,
    userns: flags.userns,
    volumes: flags.volume,
    tmpfs: flags.tmpfs,
    readOnly: flags['read-only'],
    overlay: flags.overlay,
    capAdd: flags['cap-add'],
    capDrop: flags['cap-drop'],
    privileged: flags.privileged,
    seccomp: flags.seccomp,
  });
}
