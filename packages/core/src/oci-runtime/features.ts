import { CAPABILITY_NAMES } from '../spec/capabilities.js';
import { HOOK_KINDS } from '../oci/bundle.js';
import { ATIME_OPTIONS, FLAG_OPTIONS } from '../oci/mounts.js';
import { PROPAGATION_OPTIONS } from '../spec/volumes.js';

/** What ryouiki-runtime implements, as the runtime-spec's features document (features.md) describes it. */
export function ociFeatures(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: [...HOOK_KINDS],
    mountOptions: [...FLAG_OPTIONS, ...ATIME_OPTIONS, 'bind', 'rbind', ...PROPAGATION_OPTIONS, 'mode', 'size'],
    linux: {
      namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'network'],
      capabilities: CAPABILITY_NAMES.map((name) => `CAP_${name}`),
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: true },
      seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG'] },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: { 'org.opencontainers.runtime-spec.features.ryouiki': 'ryouiki-runtime 0.1.0' },
  };
}
