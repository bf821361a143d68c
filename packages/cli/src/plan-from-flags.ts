import { optionsFromFlags, planContainer, type ContainerPlan } from '@ryouiki/core/internal';
import type { CgroupFlagValues } from './cgroup-flags.js';
import type { ImageChoice } from './image-flags.js';

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

/** Turns tenkai's flags (also start's), the program and the image to run into a validated plan, through the one flag table. */
export function planFromFlags(flags: ContainerFlags, program: string[], image?: ImageChoice): ContainerPlan {
  const options = optionsFromFlags({ ...flags }, program);
  if (image === undefined) return planContainer(options);
  return planContainer({ ...options, image: image.image, entrypoint: image.entrypoint, publish: image.publish });
}
