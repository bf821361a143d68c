// The runtime-spec's requirements that the OCI runtime-tools validation suite
// checks (validation/*.t), each with a bundle that exercises the field and a
// check inside the container, run rootless through ryouiki-runtime as
// containerd's shim and podman run it. The suite itself is not packaged by
// Debian (docs/oci-conformance.md): these are its checks, ours.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
import { cgroupsBelow, describeIf, hierarchies, makeTestCgroupParent, missingDelegation, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { expectNoLeftovers, makeTempDir, removeDir, testRootfs, waitFor } from './harness.js';
import { containersIn, runtime, type RuntimeOutcome } from './oci-harness.js';

const work = makeTempDir('oci-conformance');
afterAll(() => removeDir(work));

let serial = 0;
const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) expect(containersIn(root)).toEqual([]);
  await expectNoLeftovers();
});

type Config = OciConfig & Record<string, any>;

/** runc's default config (`runc spec --rootless`) on the test rootfs, with the command and a change. */
function bundleConfig(script: string, change: (config: Config) => void = () => undefined): Config {
  const config = defaultOciConfig({ rootless: true }) as Config;
  config.root = { path: testRootfs(), readonly: true };
  config.process!.terminal = false;
  config.process!.args = ['/bin/sh', '-c', script];
  change(config);
  return config;
}

/** `ryouiki-runtime run` of the config in the foreground: its exit code and output. */
async function runConfig(config: Config): Promise<RuntimeOutcome> {
  const dir = join(work, `b${serial++}`);
  const root = join(dir, 'root');
  roots.push(root);
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return runtime(dir, root, ['run', '--bundle', bundle, `c${serial}`], 'run');
}

/** A folder for a bundle (in bundle/) and the runtime's --root (root/, checked empty after the test). */
function bundleDir(prefix: string): { dir: string; root: string } {
  const dir = join(work, `${prefix}${serial++}`);
  const root = join(dir, 'root');
  roots.push(root);
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  return { dir, root };
}

async function outputOf(config: Config): Promise<string> {
  const out = await runConfig(config);
  expect(out).toMatchObject({ stderr: '', exitCode: 0 });
  return out.stdout;
}

/** A field of /proc/self/status inside the container. */
function statusField(name: string): string {
  return `sed -n 's/^${name}:[[:space:]]*//p' /proc/self/status`;
}

describe('1. ociVersion: every 1.x, unknown fields ignored', () => {
  it.each(['1.0.0', '1.2.1', '1.3.0', '1.9.0-rc.1'])('runs a config of version %s with fields a later minor adds', async (version) => {
    const config = bundleConfig('echo ran', (c) => {
      c.ociVersion = version;
      c.futureTopLevel = { on: true };
      (c.process as Record<string, unknown>).futureProcessField = 1;
      (c.linux as Record<string, unknown>).futureLinuxField = 'x';
    });
    expect(await outputOf(config)).toBe('ran\n');
  });

  it('refuses 2.0.0, naming ociVersion', async () => {
    const out = await runConfig(bundleConfig('true', (c) => (c.ociVersion = '2.0.0')));
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/ociVersion "2\.0\.0" .* use a 1\.x version/);
  });
});

describe('3. no_new_privileges and seccomp: exactly what the config asks', () => {
  const allowAllButMkdir = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
  };

  it('a config with neither gets no filter and no no_new_privs', async () => {
    const config = bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}`, (c) => (c.process!.noNewPrivileges = false));
    expect(await outputOf(config)).toBe('0\n0\n');
  });

  it('a seccomp filter without noNewPrivileges loads and leaves no_new_privs off', async () => {
    const config = bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}; mkdir /tmp/x 2>/dev/null || echo refused`, (c) => {
      c.process!.noNewPrivileges = false;
      c.linux!.seccomp = allowAllButMkdir as never;
      c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    expect(await outputOf(config)).toBe('2\n0\nrefused\n');
  });

  it('noNewPrivileges true sets it, with or without a filter', async () => {
    expect(await outputOf(bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}`))).toBe('0\n1\n');
    expect(await outputOf(bundleConfig(statusField('NoNewPrivs'), (c) => (c.linux!.seccomp = allowAllButMkdir as never)))).toBe('1\n');
  });
});

/** The container's mounts from /proc/self/mountinfo: mount point, filesystem type, per-mount options, super options, optional fields. */
const MOUNTS_SCRIPT =
  'sed \'s/ - /|/\' /proc/self/mountinfo | while IFS=\'|\' read -r left right; do set -- $left; point=$5; options=$6; shift 6; tags="$*"; set -- $right; echo "$point $1 $options $3 [$tags]"; done';

interface SeenMount {
  point: string;
  type: string;
  options: string[];
  superOptions: string[];
  tags: string;
}

function parseMounts(text: string): SeenMount[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^(\S+) (\S+) (\S+) (\S+) \[(.*)\]$/.exec(line);
      if (match === null) throw new Error(`not a mount line: ${line}`);
      return { point: match[1]!, type: match[2]!, options: match[3]!.split(','), superOptions: match[4]!.split(','), tags: match[5]! };
    });
}

describe('2. with a bundle, its mounts are the whole list, in order, with their options', () => {
  it("makes runc's default mounts in order, /dev with its size and strictatime, /dev/shm once", async () => {
    const below = parseMounts(await outputOf(bundleConfig(MOUNTS_SCRIPT))).filter((mount) => mount.point !== '/');
    const given = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'];
    expect(below.map((mount) => mount.point).filter((point) => given.includes(point))).toEqual(given);
    expect(below.filter((mount) => mount.point === '/dev/shm')).toHaveLength(1);
    const dev = below.find((mount) => mount.point === '/dev')!;
    expect(dev.type).toBe('tmpfs');
    expect(dev.superOptions).toContain('size=65536k');
    expect(dev.superOptions).toContain('mode=755');
    expect(dev.options).toContain('nosuid');
    expect(dev.options).not.toContain('relatime');
    expect(dev.options).not.toContain('nodev');
    const shm = below.find((mount) => mount.point === '/dev/shm')!;
    expect(shm.options).toEqual(expect.arrayContaining(['nosuid', 'noexec', 'nodev']));
    expect(shm.superOptions).toContain('size=65536k');
  });

  it("gives /dev its nodes and links after the config's mounts", async () => {
    const out = await outputOf(bundleConfig('ls /dev; echo x >/dev/null && echo null-ok; readlink /dev/ptmx; readlink /dev/fd'));
    expect(out.split('\n')).toEqual(expect.arrayContaining(['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'mqueue', 'null-ok', 'pts/ptmx', '/proc/self/fd']));
  });

  it('makes no mount the config does not list: without /dev or /sys there are none', async () => {
    // No masked paths either: masking a file binds /dev/null, which this container has not.
    const config = bundleConfig(MOUNTS_SCRIPT, (c) => {
      c.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }];
      c.linux!.maskedPaths = [];
    });
    const points = parseMounts(await outputOf(config)).map((mount) => mount.point);
    expect(points.filter((point) => point !== '/' && point !== '/proc' && !point.startsWith('/proc/'))).toEqual([]);
  });

  it('keeps the order of mounts over each other: a later one hides an earlier one', async () => {
    // /tmp/a is made in the first tmpfs: in the other order the first would hide the second.
    const config = bundleConfig("df -k /tmp /tmp/a | awk 'NR > 1 {print $2}'", (c) => {
      c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      c.mounts!.push({ destination: '/tmp/a', type: 'tmpfs', source: 'tmpfs', options: ['size=2m'] });
    });
    expect(await outputOf(config)).toBe('1024\n2048\n');
  });
});

describe('7. mount propagation and the options of a bind', () => {
  it('applies shared, unbindable and private to the mount, and accepts mode= and size= on a bind as runc passes them', async () => {
    const source = join(work, 'propagation-source');
    mkdirSync(source, { recursive: true });
    const config = bundleConfig(MOUNTS_SCRIPT, (c) => {
      c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'shared'] });
      c.mounts!.push({ destination: '/run', type: 'bind', source, options: ['rbind', 'runbindable', 'mode=755', 'size=1m'] });
      c.mounts!.push({ destination: '/var', type: 'bind', source, options: ['bind', 'rprivate'] });
      c.mounts!.push({ destination: '/root', type: 'bind', source, options: ['rbind', 'rslave'] });
    });
    const mounts = parseMounts(await outputOf(config));
    const tags = (point: string) => mounts.find((mount) => mount.point === point)?.tags;
    expect(tags('/tmp')).toMatch(/^shared:\d+$/);
    expect(tags('/run')).toBe('unbindable');
    expect(tags('/var')).toBe('');
    // A slave of nothing (the mounts start private) is private.
    expect(tags('/root')).toBe('');
  });
});

describeIf(missingDelegation(), 'linux.cgroupsPath below the delegated cgroup')('5. linux.cgroupsPath', () => {
  it('puts a relative path below the delegated cgroup, with the limits there, and removes the folder at the end', async () => {
    const parent = makeTestCgroupParent();
    try {
      const config = bundleConfig('cat /proc/self/cgroup', (c) => {
        c.linux!.cgroupsPath = `${parent.name}/conformance`;
        c.linux!.resources = { pids: { limit: 40 } } as never;
      });
      const lines = (await outputOf(config)).trim().split('\n');
      const pids = lines.find((line) => /^\d+:pids:/.test(line)) ?? lines.find((line) => line.startsWith('0::'));
      expect(pids).toMatch(new RegExp(`/${parent.name}/conformance$`));
      expect(cgroupsBelow(parent)).toEqual([]);
    } finally {
      removeTestCgroupParent(parent);
    }
  });

  it('update --resources FILE ID changes the limits of a running container, as an engine asks', async () => {
    const parent = makeTestCgroupParent();
    const { dir, root } = bundleDir('update');
    const config = bundleConfig('exec sleep 600', (c) => {
      c.linux!.cgroupsPath = `${parent.name}/updated`;
      c.linux!.resources = { pids: { limit: 40 } } as never;
    });
    writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'resources.json'), JSON.stringify({ pids: { limit: 25 } }));
    try {
      expect(await runtime(dir, root, ['run', '--detach', '--bundle', join(dir, 'bundle'), 'updated'], 'run')).toMatchObject({ exitCode: 0, stderr: '' });
      const pidsMax = () =>
        parent.dirs
          .map((folder) => join(folder, 'updated', 'pids.max'))
          .filter((file) => existsSync(file))
          .map((file) => readFileSync(file, 'utf8').trim());
      expect(pidsMax()).toEqual(['40']);
      expect(await runtime(dir, root, ['update', '--resources', join(dir, 'resources.json'), 'updated'], 'update')).toMatchObject({ exitCode: 0, stderr: '' });
      expect(pidsMax()).toEqual(['25']);
    } finally {
      await runtime(dir, root, ['delete', '--force', 'updated'], 'delete');
      expect(cgroupsBelow(parent)).toEqual([]);
      removeTestCgroupParent(parent);
    }
  });

  it("refuses a path with '..', naming linux.cgroupsPath", async () => {
    const out = await runConfig(bundleConfig('true', (c) => (c.linux!.cgroupsPath = '../escape')));
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/linux\.cgroupsPath "\.\.\/escape" must name a folder/);
  });
});

/** MAJ:MIN of a block device of this machine (a whole disk or loop device), for blockIO's device rules. */
function blockDevice(): { major: number; minor: number } {
  const name = readdirSync('/sys/block').sort()[0];
  if (name === undefined) throw new Error('this machine has no block device for the blockIO tests');
  const [major, minor] = readFileSync(join('/sys/block', name, 'dev'), 'utf8')
    .trim()
    .split(':')
    .map(Number);
  return { major: major!, minor: minor! };
}

/** The container's folders below the test parent, one per hierarchy, and the first of them that has a file. */
function containerFiles(parent: TestCgroupParent, name: string): (file: string) => string | undefined {
  return (file) => {
    const found = parent.dirs.map((dir) => join(dir, name, file)).find((path) => existsSync(path));
    return found === undefined ? undefined : readFileSync(found, 'utf8').trim();
  };
}

describeIf(missingDelegation(), 'the cgroups scripts/test-cgroups.sh delegates')('6. the other resources, read back from the cgroup', () => {
  const v1 = (controller: string) => hierarchies().some((h) => h.version === 1 && h.controllers.includes(controller));

  it('applies memory reservation, swappiness, disableOOMKiller, cpuset and blockIO at create, and update changes them', async () => {
    const parent = makeTestCgroupParent();
    const { dir, root } = bundleDir('other');
    const device = blockDevice();
    const config = bundleConfig('true', (c) => {
      c.linux!.cgroupsPath = `${parent.name}/other`;
      c.linux!.resources = {
        memory: { limit: 64 << 20, reservation: 32 << 20, swappiness: 20, disableOOMKiller: true },
        cpu: { cpus: '0', mems: '0' },
        blockIO: { weight: 300, throttleReadBpsDevice: [{ ...device, rate: 1048576 }] },
      } as never;
    });
    writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'resources.json'), JSON.stringify({ memory: { reservation: 16 << 20, swappiness: 40 }, blockIO: { throttleReadBpsDevice: [{ ...device, rate: 2097152 }] } }));
    const read = containerFiles(parent, 'other');
    const rule = `${device.major}:${device.minor}`;
    try {
      expect(await runtime(dir, root, ['create', '--bundle', join(dir, 'bundle'), 'other'], 'create')).toMatchObject({ exitCode: 0, stderr: '' });
      if (v1('memory')) {
        expect([read('memory.soft_limit_in_bytes'), read('memory.swappiness'), read('memory.oom_control')?.split('\n')[0]]).toEqual([String(32 << 20), '20', 'oom_kill_disable 1']);
      } else expect(read('memory.low')).toBe(String(32 << 20));
      expect([read('cpuset.cpus'), read('cpuset.mems')]).toEqual(['0', '0']);
      const weight = v1('blkio') ? (read('blkio.bfq.weight') ?? read('blkio.weight')) : (read('io.bfq.weight') ?? read('io.weight'));
      expect(weight).toMatch(v1('blkio') ? /^(default )?300$/ : /^(default )?(300|2929)$/);
      expect(v1('blkio') ? read('blkio.throttle.read_bps_device') : read('io.max')).toMatch(new RegExp(`^${rule} (rbps=)?1048576`));
      expect(await runtime(dir, root, ['update', '--resources', join(dir, 'resources.json'), 'other'], 'update')).toMatchObject({ exitCode: 0, stderr: '' });
      if (v1('memory')) expect([read('memory.soft_limit_in_bytes'), read('memory.swappiness')]).toEqual([String(16 << 20), '40']);
      else expect(read('memory.low')).toBe(String(16 << 20));
      expect(v1('blkio') ? read('blkio.throttle.read_bps_device') : read('io.max')).toMatch(new RegExp(`^${rule} (rbps=)?2097152`));
    } finally {
      await runtime(dir, root, ['delete', '--force', 'other'], 'delete');
      expect(cgroupsBelow(parent)).toEqual([]);
      removeTestCgroupParent(parent);
    }
  });

  it('runs the command in the cpuset it asked for', async () => {
    const config = bundleConfig(statusField('Cpus_allowed_list'), (c) => (c.linux!.resources = { cpu: { cpus: '0' } } as never));
    expect(await outputOf(config)).toBe('0\n');
  });

  it('refuses a setting whose controller no hierarchy has, naming its JSON path (network classes here, as runc fails)', async () => {
    const config = bundleConfig('true', (c) => (c.linux!.resources = { network: { classID: 1048577 } } as never));
    const out = await runConfig(config);
    if (hierarchies().some((h) => h.version === 1)) {
      if (v1('net_cls')) throw new Error('this machine mounts net_cls: the refusal cannot be shown here');
      expect(out.exitCode).toBe(125);
      expect(out.stderr).toMatch(
        /^ryouiki-runtime: linux\.resources\.network\.classID cannot be enforced: the net_cls cgroup controller is not delegated to you \(this machine mounts no cgroup hierarchy with it\)/,
      );
    } else {
      expect(out.exitCode).toBe(0);
      expect(out.stderr).toMatch(/linux\.resources\.network\.classID: cgroup v2 has no such setting: ignored, as runc ignores it/);
    }
  });
});

describe("7. the host's namespaces, and namespaces joined by path (linux_ns_itype, linux_ns_path)", () => {
  const hostProc = { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind', 'nosuid', 'nodev', 'noexec'] };

  it("shares the host's PID namespace without a pid entry, the host's /proc bound, and kills what the command leaves", async () => {
    const config = bundleConfig('readlink /proc/self/ns/pid; sleep 600 & echo $!', (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'pid');
      c.mounts = c.mounts!.map((mount) => (mount.destination === '/proc' ? hostProc : mount));
    });
    const [pidNamespace, orphan] = (await outputOf(config)).trim().split('\n');
    expect(pidNamespace).toBe(readlinkSync('/proc/self/ns/pid'));
    // In the host's namespace the orphan's number is the host's: the init killed and reaped it.
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
  });

  it("lists and signals only the container's own processes in the host's PID namespace (ps, kill --all)", async () => {
    const { dir, root } = bundleDir('hostpid');
    const config = bundleConfig('sleep 600 & exec sleep 601', (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'pid');
      c.mounts = c.mounts!.map((mount) => (mount.destination === '/proc' ? hostProc : mount));
    });
    writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(config));
    try {
      expect(await runtime(dir, root, ['run', '--detach', '--bundle', join(dir, 'bundle'), 'hostpid'], 'run')).toMatchObject({ exitCode: 0, stderr: '' });
      const { pid } = JSON.parse((await runtime(dir, root, ['state', 'hostpid'], 'state')).stdout) as { pid: number };
      const commands = (pids: number[]) => pids.map((member) => readFileSync(`/proc/${member}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' '));
      const listed = async () => JSON.parse((await runtime(dir, root, ['ps', '--format', 'json', 'hostpid'], 'ps')).stdout) as number[];
      let members = await listed();
      for (let tries = 0; members.length < 3 && tries < 100; tries++) members = await listed();
      expect(members[0]).toBe(pid);
      expect(commands(members.slice(1)).sort()).toEqual(['sleep 600', 'sleep 601']);
      expect(await runtime(dir, root, ['kill', '--all', 'hostpid', 'KILL'], 'kill')).toMatchObject({ exitCode: 0, stderr: '' });
      const gone = (member: number) => !existsSync(`/proc/${member}`) || readFileSync(`/proc/${member}/stat`, 'utf8').includes(') Z ');
      await waitFor(() => (members.every(gone) ? true : undefined), 'the container to end');
    } finally {
      await runtime(dir, root, ['delete', '--force', 'hostpid'], 'delete');
    }
  });

  it("refuses a new proc in the host's PID namespace, naming the mount, as the kernel would refuse it", async () => {
    const config = bundleConfig('true', (c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'pid')));
    const out = await runConfig(config);
    expect(out.exitCode).toBe(125);
    const index = config.mounts!.findIndex((mount) => mount.type === 'proc');
    expect(out.stderr).toMatch(new RegExp(`^ryouiki-runtime: .*mounts\\[${index}\\]: a proc cannot be mounted in the host's PID namespace \\(linux\\.namespaces has no pid entry\\)`));
  });

  it('refuses a config without a mount namespace, naming linux.namespaces', async () => {
    const config = bundleConfig('true', (c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'mount')));
    const out = await runConfig(config);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/linux\.namespaces \(no mount namespace: sharing the host's, where the container's mounts and pivot_root would change the host's\)/);
  });

  it('joins the user, UTS and IPC namespaces of a running container by path, and says which it may not join', async () => {
    const { dir, root } = bundleDir('joined');
    writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(bundleConfig('exec sleep 600')));
    try {
      expect(await runtime(dir, root, ['run', '--detach', '--bundle', join(dir, 'bundle'), 'first'], 'run')).toMatchObject({ exitCode: 0, stderr: '' });
      const { pid } = JSON.parse((await runtime(dir, root, ['state', 'first'], 'state')).stdout) as { pid: number };
      const joining = bundleConfig('for type in user uts ipc; do readlink /proc/self/ns/$type; done', (c) => {
        c.linux!.namespaces = c.linux!.namespaces!.map((namespace) =>
          ['user', 'uts', 'ipc'].includes(namespace.type) ? { type: namespace.type, path: `/proc/${pid}/ns/${namespace.type}` } : namespace,
        );
        delete c.linux!.uidMappings;
        delete c.linux!.gidMappings;
        delete c.hostname;
      });
      const expected = ['user', 'uts', 'ipc'].map((type) => readlinkSync(`/proc/${pid}/ns/${type}`));
      expect((await outputOf(joining)).trim().split('\n')).toEqual(expected);
      expect(expected[1]).not.toBe(readlinkSync('/proc/self/ns/uts'));
      const notOwned = bundleConfig('true', (c) => {
        c.linux!.namespaces = c.linux!.namespaces!.map((namespace) => (namespace.type === 'uts' ? { type: 'uts', path: `/proc/${pid}/ns/uts` } : namespace));
        delete c.hostname;
      });
      const refused = await runConfig(notOwned);
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toMatch(new RegExp(`^ryouiki-runtime: join the uts namespace /proc/${pid}/ns/uts \\(join the user namespace that owns it too\\): Operation not permitted\n$`));
    } finally {
      await runtime(dir, root, ['delete', '--force', 'first'], 'delete');
    }
  });
});
