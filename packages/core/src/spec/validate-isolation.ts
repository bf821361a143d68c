import { isAbsolute } from 'node:path';
import { CAPABILITY_NAMES } from './capabilities.js';
import { isRyouikiError, type SpecProblem } from '../errors.js';
import { seccompRules } from './seccomp.js';
import type { ContainerSpec, Mount } from './spec.js';
import { KERNEL_FS_TYPES } from './volumes.js';

function invalid(path: string, message: string): SpecProblem {
  return { path, code: 'SPEC_INVALID', message };
}

function mountProblems(mount: Mount, index: number): SpecProblem[] {
  const path = `mounts[${index}]`;
  const problems: SpecProblem[] = [];
  if (typeof mount.destination !== 'string' || !isAbsolute(mount.destination) || mount.destination.includes(':')) {
    problems.push(invalid(`${path}.destination`, `${path}.destination must be an absolute path without ':', got ${JSON.stringify(mount.destination)}`));
  }
  if (mount.type === 'tmpfs' || KERNEL_FS_TYPES.includes(mount.type ?? '')) return problems;
  if (mount.type !== 'bind') return [...problems, invalid(`${path}.type`, `${path}.type ${JSON.stringify(mount.type)} is not supported: use bind, tmpfs, ${KERNEL_FS_TYPES.join(', ')}`)];
  if (typeof mount.source !== 'string' || !isAbsolute(mount.source) || mount.source.includes(':')) {
    problems.push(invalid(`${path}.source`, `${path}.source must be an absolute host path without ':', got ${JSON.stringify(mount.source)}`));
  }
  return problems;
}

function isId(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 0xffffffff;
}

/** The problems of a hand-written spec's mounts, user, capabilities and seccomp profile. */
export function isolationProblems(spec: ContainerSpec): SpecProblem[] {
  const problems = (spec.mounts ?? []).flatMap(mountProblems);
  const user = spec.process?.user;
  if (user !== undefined && (!isId(user.uid) || !isId(user.gid))) {
    problems.push(invalid('process.user', 'process.user needs a uid and a gid from 0 to 4294967294'));
  }
  for (const name of spec.process?.capabilities?.bounding ?? []) {
    if (!CAPABILITY_NAMES.includes(String(name).replace(/^CAP_/, ''))) {
      problems.push({ path: 'process.capabilities.bounding', code: 'CAPABILITY_UNKNOWN', message: `unknown capability ${name}: use names such as CAP_NET_RAW` });
    }
  }
  if (spec.linux?.seccomp !== undefined) {
    try {
      seccompRules(spec.linux.seccomp, 'linux.seccomp');
    } catch (error) {
      if (!isRyouikiError(error)) throw error;
      problems.push({ path: 'linux.seccomp', code: error.code, message: error.message });
    }
  }
  return problems;
}
