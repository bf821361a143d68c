import type { SpecProblem } from '../errors.js';
import { PROPAGATIONS, sysctlNamespace } from '../oci/linux.js';
import { RLIMIT_TYPES } from '../oci/process.js';
import { hasNamespace, type ContainerSpec } from './spec.js';

function invalid(path: string, message: string): SpecProblem {
  return { path, code: 'SPEC_INVALID', message };
}

function processProblems(spec: ContainerSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  (spec.process?.rlimits ?? []).forEach((limit, index) => {
    const ok = RLIMIT_TYPES.includes(limit.type) && Number.isInteger(limit.soft) && Number.isInteger(limit.hard) && limit.soft >= 0 && limit.soft <= limit.hard;
    if (!ok) problems.push(invalid(`process.rlimits[${index}]`, `process.rlimits[${index}] needs a type such as RLIMIT_NOFILE and whole soft and hard limits, soft at most hard`));
  });
  const score = spec.process?.oomScoreAdj;
  if (score !== undefined && !(Number.isInteger(score) && score >= -1000 && score <= 1000)) {
    problems.push(invalid('process.oomScoreAdj', `process.oomScoreAdj must be a whole number from -1000 to 1000, got ${JSON.stringify(score)}`));
  }
  return problems;
}

function linuxProblems(spec: ContainerSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const linux = spec.linux ?? { namespaces: [] };
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const namespace = sysctlNamespace(key);
    if (namespace === undefined || !hasNamespace(spec, namespace)) {
      problems.push(
        invalid(
          'linux.sysctl',
          `linux.sysctl ${key} is not a parameter of a namespace of the container's own: only net.* (with a network namespace), kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, kernel.hostname and kernel.domainname can be set`,
        ),
      );
    }
  }
  if (linux.rootfsPropagation !== undefined && !PROPAGATIONS.includes(linux.rootfsPropagation)) {
    problems.push(invalid('linux.rootfsPropagation', `linux.rootfsPropagation must be one of ${PROPAGATIONS.join(', ')}`));
  }
  (linux.devices ?? []).forEach((device, index) => {
    if (typeof device.path !== 'string' || !device.path.startsWith('/dev/') || device.path.includes('/../')) {
      problems.push(invalid(`linux.devices[${index}].path`, `linux.devices[${index}].path must be a path under /dev (the host's device node is bound there), got ${JSON.stringify(device.path)}`));
    }
  });
  const uts = linux.namespaces?.find((namespace) => namespace.type === 'uts');
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] !== undefined && (uts === undefined || uts.path !== undefined)) {
      problems.push(invalid(field, `a ${field} needs a new uts namespace of the container's own: add {"type": "uts"} (without a path) to linux.namespaces, or remove the ${field}`));
    }
  }
  return problems;
}

/** The problems of the fields OCI bundles bring: limits, kernel parameters, propagation, devices. */
export function bundleFieldProblems(spec: ContainerSpec): SpecProblem[] {
  return [...processProblems(spec), ...linuxProblems(spec)];
}
