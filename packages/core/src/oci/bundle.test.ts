import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RyouikiError } from '../errors.js';
import { loadOciBundle, ociConfigToSpec, type OciConfig } from './bundle.js';
import { defaultOciConfig } from './default-config.js';

const BUNDLE = '/bundles/one';

function config(change: (config: OciConfig & Record<string, any>) => void = () => undefined): OciConfig {
  const value = defaultOciConfig() as OciConfig & Record<string, any>;
  change(value);
  return value;
}

function failure(value: unknown, options = {}): RyouikiError {
  try {
    ociConfigToSpec(value, BUNDLE, options);
  } catch (error) {
    if (error instanceof RyouikiError) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('ociConfigToSpec: the default config', () => {
  const spec = ociConfigToSpec(config(), BUNDLE);

  it('takes the process as given', () => {
    expect(spec.process).toMatchObject({
      args: ['sh'],
      cwd: '/',
      terminal: true,
      noNewPrivileges: true,
      user: { uid: 0, gid: 0 },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
    });
    expect(spec.process.env).toContain('TERM=xterm');
  });

  it('resolves root.path against the bundle', () => {
    expect(spec.root).toEqual({ path: '/bundles/one/rootfs', readonly: true, readonlyTmpfs: false });
  });

  it('keeps every mount, in order, with its options: they are the whole list', () => {
    expect(spec.onlyGivenMounts).toBe(true);
    expect(spec.mounts).toEqual([
      { destination: '/proc', type: 'proc', source: 'proc', options: [] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ]);
  });

  it("binds the host's /sys read-only for a sysfs without a network namespace of its own", () => {
    const spec = ociConfigToSpec(
      config((c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'network'))),
      BUNDLE,
    );
    expect(spec.mounts?.at(-1)).toEqual({ destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  });

  it('keeps the namespaces, the masked and read-only paths and the hostname', () => {
    expect(spec.linux.namespaces.map((namespace) => namespace.type).sort()).toEqual(['ipc', 'mount', 'network', 'pid', 'user', 'uts']);
    expect(spec.linux.maskedPaths).toContain('/proc/kcore');
    expect(spec.linux.readonlyPaths).toContain('/proc/sys');
    expect(spec.hostname).toBe('ryouiki');
  });
});

describe('ociConfigToSpec: process', () => {
  it('gives empty capability sets for those not listed', () => {
    const spec = ociConfigToSpec(
      config((c) => delete c.process?.capabilities),
      BUNDLE,
    );
    expect(spec.process.capabilities).toEqual({ bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] });
  });

  it('keeps each capability set, with the CAP_ prefix', () => {
    const spec = ociConfigToSpec(
      config((c) => (c.process!.capabilities = { bounding: ['CAP_CHOWN', 'NET_RAW'], effective: ['CAP_CHOWN'] })),
      BUNDLE,
    );
    expect(spec.process.capabilities?.bounding).toEqual(['CAP_CHOWN', 'CAP_NET_RAW']);
    expect(spec.process.capabilities?.effective).toEqual(['CAP_CHOWN']);
  });

  it('refuses an unknown capability, naming it', () => {
    expect(failure(config((c) => (c.process!.capabilities = { bounding: ['CAP_FLY'] }))).message).toMatch(/process\.capabilities\.bounding\[0\] "CAP_FLY" is not a capability/);
  });

  it('takes the user with its additional groups', () => {
    const spec = ociConfigToSpec(
      config((c) => (c.process!.user = { uid: 1000, gid: 100, additionalGids: [10, 20] })),
      BUNDLE,
    );
    expect(spec.process.user).toEqual({ uid: 1000, gid: 100, additionalGids: [10, 20] });
  });

  it('takes the umask and the domainname', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.process!.user = { uid: 0, gid: 0, umask: 0o27 };
        c.domainname = 'example.org';
      }),
      BUNDLE,
    );
    expect(spec.process.user?.umask).toBe(0o27);
    expect(spec.domainname).toBe('example.org');
  });

  it('takes oomScoreAdj and consoleSize', () => {
    const spec = ociConfigToSpec(
      config((c) => Object.assign(c.process!, { oomScoreAdj: 500, consoleSize: { height: 30, width: 100 } })),
      BUNDLE,
    );
    expect(spec.process.oomScoreAdj).toBe(500);
    expect(spec.process.consoleSize).toEqual({ height: 30, width: 100 });
  });

  it('refuses an oomScoreAdj out of range', () => {
    expect(failure(config((c) => (c.process!.oomScoreAdj = 2000))).message).toMatch(/process\.oomScoreAdj must be from -1000 to 1000/);
  });

  it('refuses an unknown rlimit, a repeated one and a soft limit above the hard one', () => {
    expect(failure(config((c) => (c.process!.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }]))).message).toMatch(/process\.rlimits\[0\]\.type "RLIMIT_FOO"/);
    expect(failure(config((c) => c.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }))).message).toMatch(/process\.rlimits\[1\]\.type RLIMIT_NOFILE is given twice/);
    expect(failure(config((c) => (c.process!.rlimits = [{ type: 'RLIMIT_NPROC', soft: 10, hard: 5 }]))).message).toMatch(/process\.rlimits\[0\]\.soft/);
  });

  it('names the field of a value of the wrong type', () => {
    const error = failure(config((c) => ((c.process as any).args = 'sh')));
    expect(error.code).toBe('OCI_CONFIG_INVALID');
    expect(error.exitCode).toBe(125);
    expect(error.message).toBe('config.json: process.args must be a list, got "sh"');
    expect(failure(config((c) => ((c.process as any).env = ['A=1', 2]))).message).toMatch(/process\.env\[1\] must be a string, got 2/);
    expect(failure(config((c) => (c.process!.cwd = 'relative'))).message).toMatch(/process\.cwd must be an absolute path/);
    expect(failure(config((c) => ((c.process as any).user = { uid: -1, gid: 0 }))).message).toMatch(/process\.user\.uid must be from 0/);
    expect(failure(config((c) => delete c.process)).message).toMatch(/process is missing/);
  });
});

describe('ociConfigToSpec: versions', () => {
  it.each(['1.0.0', '1.0.2-dev', '1.1.0', '1.2.0', '1.3.0', '1.12.4-rc.1'])('reads %s', (version) => {
    expect(
      ociConfigToSpec(
        config((c) => (c.ociVersion = version)),
        BUNDLE,
      ).ociVersion,
    ).toBe(version);
  });

  it.each(['0.6.0', '2.0.0', '1.3', 'latest'])('refuses %s', (version) => {
    expect(failure(config((c) => (c.ociVersion = version))).message).toMatch(/ociVersion .* use a 1\.x version/);
  });

  it('refuses a config that is not an object, or has no version', () => {
    expect(failure([]).code).toBe('OCI_CONFIG_INVALID');
    expect(failure(config((c) => delete (c as any).ociVersion)).message).toMatch(/ociVersion must be a string/);
  });
});

describe('ociConfigToSpec: unsupported fields', () => {
  it('names each one and says --ignore-unsupported accepts it', () => {
    const error = failure(
      config((c) => {
        c.linux!.intelRdt = { closID: 'x' };
        c.process!.apparmorProfile = 'profile';
      }),
    );
    expect(error.code).toBe('OCI_UNSUPPORTED');
    expect(error.exitCode).toBe(125);
    expect(error.message).toBe('config.json: process.apparmorProfile, linux.intelRdt are not supported by ryouiki: remove them, or pass --ignore-unsupported to run without them');
    expect(error.problems.map((problem) => problem.path)).toEqual(['process.apparmorProfile', 'linux.intelRdt']);
  });

  it('accepts them with ignoreUnsupported, and does not count empty values', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.linux!.intelRdt = { closID: 'x' };
        c.process!.selinuxLabel = '';
        c.linux!.personality = null;
      }),
      BUNDLE,
      { ignoreUnsupported: true },
    );
    expect(spec.process.args).toEqual(['sh']);
    expect(() =>
      ociConfigToSpec(
        config((c) => (c.process!.selinuxLabel = '')),
        BUNDLE,
      ),
    ).not.toThrow();
  });

  it('ignores properties the runtime-spec does not define', () => {
    expect(() =>
      ociConfigToSpec(
        config((c) => (c.someFutureField = { a: 1 })),
        BUNDLE,
      ),
    ).not.toThrow();
  });

  it('ignores fields a later 1.x adds inside process, linux and a mount', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.ociVersion = '1.3.0';
        (c.process as Record<string, unknown>).futureField = true;
        (c.linux as Record<string, unknown>).futureThing = { on: 1 };
        (c.mounts![0] as unknown as Record<string, unknown>).futureOption = 'x';
      }),
      BUNDLE,
    );
    expect(spec.ociVersion).toBe('1.3.0');
  });
});

describe('ociConfigToSpec: mounts', () => {
  const withMounts = (mounts: unknown[]) => config((c) => (c.mounts = mounts as OciConfig['mounts']));

  it('resolves a bind source against the bundle and keeps its flags', () => {
    const spec = ociConfigToSpec(withMounts([{ destination: '/data/', source: 'data', options: ['rbind', 'rprivate', 'ro', 'nosuid', 'nodev', 'noexec', 'relatime', 'mode=755', 'size=1m'] }]), BUNDLE);
    expect(spec.mounts).toEqual([{ destination: '/data', type: 'bind', source: '/bundles/one/data', options: ['rbind', 'rprivate', 'ro', 'nosuid', 'nodev', 'noexec'] }]);
  });

  it('tells bind from rbind', () => {
    const spec = ociConfigToSpec(withMounts([{ destination: '/a', type: 'bind', source: '/src', options: ['bind'] }]), BUNDLE);
    expect(spec.mounts?.[0]?.options).toEqual(['bind']);
  });

  it('binds the host cgroup tree for a cgroup mount', () => {
    const spec = ociConfigToSpec(withMounts([{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }]), BUNDLE);
    expect(spec.mounts).toEqual([{ destination: '/sys/fs/cgroup', type: 'bind', source: '/sys/fs/cgroup', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }]);
  });

  it('keeps a tmpfs with its size and mode, and proc or sysfs elsewhere than the helper puts them', () => {
    const spec = ociConfigToSpec(
      withMounts([
        { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=700', 'noexec'] },
        { destination: '/proc2', type: 'proc', source: 'proc' },
      ]),
      BUNDLE,
    );
    expect(spec.mounts).toEqual([
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=700', 'noexec'] },
      { destination: '/proc2', type: 'proc', source: 'proc', options: [] },
    ]);
  });

  it('refuses a bind without a source, and a mount without a type', () => {
    expect(failure(withMounts([{ destination: '/a', type: 'bind' }])).message).toMatch(/mounts\[0\]\.source is needed/);
    expect(failure(withMounts([{ destination: '/a', source: '/b' }])).message).toMatch(/mounts\[0\]\.type is needed/);
    expect(failure(withMounts([{ destination: 'a', type: 'tmpfs' }])).message).toMatch(/mounts\[0\]\.destination must be an absolute path/);
  });

  it('calls unknown types and options unsupported', () => {
    const error = failure(
      withMounts([
        { destination: '/a', type: 'nfs', source: 'x' },
        { destination: '/b', type: 'tmpfs', options: ['tmpcopyup'] },
        { destination: '/c', source: '/c', options: ['rbind', 'idmap'] },
      ]),
    );
    expect(error.code).toBe('OCI_UNSUPPORTED');
    expect(error.message).toMatch(/mounts\[0\]\.type \("nfs"\), mounts\[1\]\.options \("tmpcopyup"\), mounts\[2\]\.options \("idmap"\)/);
  });

  it('keeps every propagation option, on binds and kernel filesystems', () => {
    const spec = ociConfigToSpec(
      withMounts([
        { destination: '/c', source: '/c', options: ['rbind', 'rshared'] },
        { destination: '/t', type: 'tmpfs', options: ['runbindable'] },
      ]),
      BUNDLE,
    );
    expect(spec.mounts?.map((mount) => mount.options)).toEqual([['rbind', 'rshared'], ['runbindable']]);
  });
});

describe('ociConfigToSpec: namespaces and id maps', () => {
  const withNamespaces = (namespaces: unknown[]) => config((c) => (c.linux!.namespaces = namespaces as never));

  it('adds the user namespace Ryouiki makes rootless', () => {
    const spec = ociConfigToSpec(withNamespaces([{ type: 'pid' }, { type: 'mount' }]), BUNDLE, { asRoot: false });
    expect(spec.linux.namespaces.map((namespace) => namespace.type).sort()).toEqual(['mount', 'pid', 'user']);
  });

  it('adds none in root mode: the host user namespace, as runc as root', () => {
    const spec = ociConfigToSpec(withNamespaces([{ type: 'pid' }, { type: 'mount' }]), BUNDLE, { asRoot: true });
    expect(spec.linux.namespaces.map((namespace) => namespace.type).sort()).toEqual(['mount', 'pid']);
  });

  it('calls a missing mount namespace, a mount namespace to join and a time namespace unsupported', () => {
    const error = failure(withNamespaces([{ type: 'user' }, { type: 'mount', path: '/proc/1/ns/mnt' }, { type: 'time' }]));
    expect(error.problems.map((problem) => problem.path)).toEqual([
      "linux.namespaces[1].path (joining a mount namespace: the container's mounts and pivot_root would change that namespace's)",
      'linux.namespaces[2] (time)',
    ]);
    expect(failure(withNamespaces([{ type: 'pid' }])).problems.map((problem) => problem.path)).toEqual([
      "linux.namespaces (no mount namespace: sharing the host's, where the container's mounts and pivot_root would change the host's)",
    ]);
  });

  it("leaves the pid namespace out when the config does: the host's, as runc", () => {
    const spec = ociConfigToSpec(withNamespaces([{ type: 'mount' }]), BUNDLE, { asRoot: true });
    expect(spec.linux.namespaces.map((namespace) => namespace.type)).toEqual(['mount']);
  });

  it('keeps the path of a namespace to join, and leaves the maps to a joined user namespace', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'user', path: '/proc/9/ns/user' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'cgroup' }];
        c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
        c.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      }),
      BUNDLE,
    );
    expect(spec.linux.namespaces).toContainEqual({ type: 'network', path: '/proc/9/ns/net' });
    expect(spec.linux.namespaces).toContainEqual({ type: 'cgroup' });
    expect(spec.linux.uidMappings).toBeUndefined();
    expect(failure(config((c) => (c.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: 'net' }]))).message).toMatch(
      /linux\.namespaces\[2\]\.path must be an absolute path/,
    );
  });

  it('refuses an unknown namespace type and a repeated one', () => {
    expect(failure(withNamespaces([{ type: 'pid' }, { type: 'galaxy' }])).message).toMatch(/linux\.namespaces\[1\]\.type "galaxy" is not a namespace type/);
    expect(failure(withNamespaces([{ type: 'pid' }, { type: 'pid' }])).message).toMatch(/linux\.namespaces\[1\]\.type the pid namespace is given twice/);
  });

  it('takes the id maps', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.linux!.uidMappings = [
          { containerID: 0, hostID: 1000, size: 1 },
          { containerID: 1, hostID: 100000, size: 65536 },
        ];
        c.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      }),
      BUNDLE,
    );
    expect(spec.linux.uidMappings).toHaveLength(2);
    expect(spec.linux.gidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(failure(config((c) => (c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 0 }]))).message).toMatch(/linux\.uidMappings\[0\]\.size must be from 1/);
    expect(failure(config((c) => (c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]))).message).toBe('config.json: linux.gidMappings is needed too: give both id maps, or neither');
  });
});

describe('ociConfigToSpec: resources', () => {
  const withResources = (resources: unknown) => config((c) => (c.linux!.resources = resources as never));

  it('takes the memory, pids and CPU limits', () => {
    const spec = ociConfigToSpec(
      withResources({
        memory: { limit: 64 << 20, swap: 128 << 20 },
        pids: { limit: 50 },
        cpu: { shares: 512, quota: 50000, period: 100000 },
        devices: [{ allow: false, access: 'rwm' }],
      }),
      BUNDLE,
    );
    expect(spec.linux.resources).toEqual({ memory: { limit: 64 << 20, swap: 128 << 20 }, pids: { limit: 50 }, cpu: { shares: 512, quota: 50000, period: 100000 } });
  });

  it("reads Docker's default blockIO (weight 0) as asking nothing, and takes a real one", () => {
    expect(ociConfigToSpec(withResources({ blockIO: { weight: 0, weightDevice: [] } }), BUNDLE).linux.resources).toBeUndefined();
    const blockIO = { weight: 500, leafWeight: 20, weightDevice: [{ major: 8, minor: 0, weight: 300 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1024 }] };
    expect(ociConfigToSpec(withResources({ blockIO }), BUNDLE).linux.resources).toEqual({ blockIO });
  });

  it('takes the memory extras, cpuset, hugepage limits and network classes', () => {
    const resources = {
      memory: { reservation: 32 << 20, swappiness: 10, disableOOMKiller: true, kernelTCP: 1 << 20 },
      cpu: { cpus: '0', mems: '0' },
      hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }],
      network: { classID: 0x100001, priorities: [{ name: 'lo', priority: 3 }] },
    };
    expect(ociConfigToSpec(withResources(resources), BUNDLE).linux.resources).toEqual(resources);
  });

  it('reads 0 and -1 as no limit', () => {
    const spec = ociConfigToSpec(withResources({ memory: { limit: -1 }, pids: { limit: 0 }, cpu: { quota: -1 } }), BUNDLE);
    expect(spec.linux.resources).toBeUndefined();
  });

  it('refuses swap below the memory limit, and values out of range naming their path', () => {
    expect(failure(withResources({ memory: { limit: 100, swap: 50 } })).message).toMatch(/linux\.resources\.memory\.swap/);
    expect(failure(withResources({ memory: { swappiness: 101 } })).message).toBe('config.json: linux.resources.memory.swappiness must be from 0 to 100, got 101');
    expect(ociConfigToSpec(withResources({ memory: { swappiness: -1 } }), BUNDLE).linux.resources).toBeUndefined();
    expect(
      ociConfigToSpec(
        config((c) => (c.linux!.resources = JSON.parse('{"memory":{"swappiness":18446744073709551615}}') as never)),
        BUNDLE,
      ).linux.resources,
    ).toBeUndefined();
    expect(failure(withResources({ blockIO: { weight: 5 } })).message).toMatch(/^config\.json: linux\.resources\.blockIO\.weight must be from 10 to 1000/);
    expect(failure(withResources({ cpu: { cpus: 'all' } })).message).toMatch(/^config\.json: linux\.resources\.cpu\.cpus must be a list of numbers and ranges/);
    expect(failure(withResources({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] })).message).toMatch(/^config\.json: linux\.resources\.hugepageLimits\[0\]\.pageSize must be a size/);
    expect(failure(withResources({ rdma: { mlx: { hcaHandles: 1 } } })).message).toMatch(/linux\.resources\.rdma is not supported/);
  });
});

describe('ociConfigToSpec: sysctl, seccomp, paths, devices', () => {
  it('takes namespaced sysctls and refuses the host ones', () => {
    expect(
      ociConfigToSpec(
        config((c) => (c.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel/shmmni': '100' })),
        BUNDLE,
      ).linux.sysctl,
    ).toEqual({ 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '100' });
    expect(failure(config((c) => (c.linux!.sysctl = { 'vm.swappiness': '10' }))).message).toMatch(/linux\.sysctl\["vm\.swappiness"\] \(not namespaced: it would change the host\)/);
    const hostNetwork = config((c) => {
      c.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'network');
    });
    expect(failure(hostNetwork).message).toMatch(/needs the container's own network namespace/);
  });

  it('passes a seccomp profile through, refusing what the helper cannot apply', () => {
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] };
    expect(
      ociConfigToSpec(
        config((c) => (c.linux!.seccomp = profile)),
        BUNDLE,
      ).linux.seccomp,
    ).toEqual(profile);
    expect(failure(config((c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }))).message).toMatch(
      /linux\.seccomp\.syscalls\[0\]\.action \(SCMP_ACT_NOTIFY\) is not supported/,
    );
    expect(
      failure(config((c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }] })))
        .code,
    ).toBe('OCI_CONFIG_INVALID');
  });

  it('takes the masked and read-only paths, the propagation and the devices', () => {
    const spec = ociConfigToSpec(
      config((c) => {
        c.linux!.maskedPaths = [];
        c.linux!.readonlyPaths = ['/proc/sys'];
        c.linux!.rootfsPropagation = 'slave';
        c.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 }];
      }),
      BUNDLE,
    );
    expect(spec.linux).toMatchObject({
      maskedPaths: [],
      readonlyPaths: ['/proc/sys'],
      rootfsPropagation: 'slave',
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 }],
    });
    expect(failure(config((c) => (c.linux!.rootfsPropagation = 'sideways'))).message).toMatch(/linux\.rootfsPropagation must be one of/);
    expect(failure(config((c) => (c.linux!.devices = [{ path: '/dev/x', type: 'z' }]))).message).toMatch(/linux\.devices\[0\]\.type must be c, b, u or p/);
  });
});

describe('loadOciBundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ryouiki-bundle-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads config.json with its hooks and annotations', async () => {
    mkdirSync(join(dir, 'rootfs'));
    const value = config((c) => {
      c.hooks = { prestart: [{ path: '/bin/true', args: ['true', 'x'], timeout: 5 }], poststop: [{ path: '/bin/echo' }] };
      c.annotations = { 'org.example': 'yes' };
      c.linux!.cgroupsPath = '/ryouiki/x';
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(value));
    const bundle = await loadOciBundle(dir);
    expect(bundle.spec.root.path).toBe(join(dir, 'rootfs'));
    expect(bundle.hooks).toEqual({ prestart: [{ path: '/bin/true', args: ['true', 'x'], timeout: 5 }], poststop: [{ path: '/bin/echo' }] });
    expect(bundle.annotations).toEqual({ 'org.example': 'yes' });
    expect(bundle.config).toEqual(value);
    expect(bundle.cgroupsPath).toBe('/ryouiki/x');
    expect(bundle.bundleDir).toBe(dir);
  });

  it('lists what ignoreUnsupported left out', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config((c) => (c.linux!.intelRdt = { closID: 'a' }))));
    expect((await loadOciBundle(dir, { ignoreUnsupported: true })).ignored).toEqual(['linux.intelRdt']);
  });

  it('refuses a hook with a relative path or a bad timeout', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config((c) => (c.hooks = { poststart: [{ path: 'hook' }] }))));
    await expect(loadOciBundle(dir)).rejects.toThrow(/hooks\.poststart\[0\]\.path must be an absolute path/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config((c) => (c.hooks = { poststart: [{ path: '/hook', timeout: 0 }] }))));
    await expect(loadOciBundle(dir)).rejects.toThrow(/hooks\.poststart\[0\]\.timeout must be from 1/);
  });

  it('says what is wrong with a missing folder, a missing file or bad JSON', async () => {
    await expect(loadOciBundle(join(dir, 'nope'))).rejects.toMatchObject({ code: 'OCI_CONFIG_INVALID', message: expect.stringMatching(/nope does not exist/) });
    await expect(loadOciBundle(dir)).rejects.toMatchObject({ code: 'OCI_CONFIG_INVALID', message: expect.stringMatching(/config\.json does not exist: a bundle needs a config\.json/) });
    writeFileSync(join(dir, 'config.json'), '{"ociVersion": ');
    await expect(loadOciBundle(dir)).rejects.toMatchObject({ code: 'OCI_CONFIG_INVALID', message: expect.stringMatching(/config\.json: not valid JSON/) });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config((c) => ((c.annotations as any) = { a: 1 }))));
    await expect(loadOciBundle(dir)).rejects.toThrow(/annotations\["a"\] must be a string, got 1/);
  });
});
