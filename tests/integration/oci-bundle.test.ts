import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
import { cgroupsBelow, describeIf, makeTestCgroupParent, missingDelegation, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, REPO_ROOT, ryouiki, startRyouiki, waitFor, type Outcome } from './harness.js';

const work = makeTempDir('oci-bundle');
const rootfs = join(work, 'rootfs');
const uid = process.getuid?.() ?? 0;
let bundles = 0;

beforeAll(() => {
  execFileSync(join(REPO_ROOT, 'scripts', 'make-busybox-rootfs.sh'), [rootfs]);
  for (const dir of ['data', 'mnt', 'proc2']) mkdirSync(join(rootfs, dir));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n');
});
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers('ryouiki-oci-test');
});

type Config = OciConfig & { process: NonNullable<OciConfig['process']>; linux: NonNullable<OciConfig['linux']> };

/** A bundle folder in the test's work folder: config.json from `ryouiki spec`'s default, changed; rootfs a link to the test rootfs. */
function makeBundle(change: (config: Config) => void = () => undefined): string {
  const dir = join(work, `bundle-${++bundles}`);
  mkdirSync(dir);
  symlinkSync(rootfs, join(dir, 'rootfs'));
  const config = defaultOciConfig() as Config;
  config.process.terminal = false;
  change(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

function shell(config: Config, script: string): void {
  config.process.args = ['/bin/sh', '-c', script];
}

function runBundle(dir: string, args: string[] = []): Promise<Outcome> {
  return ryouiki(['tenkai', '--bundle', dir, '--root', join(dir, 'store'), ...args]);
}

async function runScript(script: string, change: (config: Config) => void = () => undefined, args: string[] = []): Promise<Outcome> {
  return runBundle(
    makeBundle((config) => {
      shell(config, script);
      change(config);
    }),
    args,
  );
}

function subordinateStart(): number {
  const line = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${userInfo().username}:`));
  return Number(line?.split(':')[1]);
}

describe('ryouiki spec', () => {
  it('writes a default config.json that runs, and never overwrites one', async () => {
    const dir = join(work, 'spec');
    mkdirSync(dir);
    symlinkSync(rootfs, join(dir, 'rootfs'));
    expect((await ryouiki(['spec', '--rootless', '--bundle', dir])).exitCode).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: uid, size: 1 }]);
    config.process.terminal = false;
    config.process.args = ['cat', '/proc/self/uid_map'];
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const result = await runBundle(dir);
    expect(result.stdout.trim().split(/\s+/)).toEqual(['0', String(uid), '1']);
    expect(result.exitCode).toBe(0);
    const again = await ryouiki(['spec', '--bundle', dir]);
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toMatch(/^ryouiki: .*config\.json exists already: remove it first/);
  });
});

describe('process', () => {
  it("runs args with exactly env, in cwd, and exits with the command's code", async () => {
    const result = await runScript('echo "$GREETING"; pwd; env | sort | tr "\\n" " "; exit 7', (config) => {
      config.process.env = ['PATH=/bin', 'GREETING=hello from a bundle'];
      config.process.cwd = '/etc';
    });
    expect(result.stdout).toBe('hello from a bundle\n/etc\nGREETING=hello from a bundle PATH=/bin PWD=/etc SHLVL=1 ');
    expect(result.exitCode).toBe(7);
  });

  it('runs as user uid/gid with additionalGids', async () => {
    const result = await runScript('id -u; id -g; id -G', (config) => {
      config.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20] };
    });
    expect(result.stdout).toBe('1000\n1000\n1000 10 20\n');
  });

  it('gives each capability set as listed, also to a user other than root', async () => {
    const caps = { bounding: ['CAP_NET_RAW', 'CAP_CHOWN'], effective: ['CAP_NET_RAW'], permitted: ['CAP_NET_RAW'], inheritable: ['CAP_NET_RAW'], ambient: ['CAP_NET_RAW'] };
    const result = await runScript('grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status', (config) => {
      config.process.capabilities = caps;
      config.process.user = { uid: 1000, gid: 1000 };
    });
    expect(result.stdout).toBe('CapInh:\t0000000000002000\nCapPrm:\t0000000000002000\nCapEff:\t0000000000002000\nCapBnd:\t0000000000002001\nCapAmb:\t0000000000002000\n');
  });

  it("leaves out an ambient capability that is not inheritable, as runc does with runc spec --rootless's sets", async () => {
    const caps = {
      bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    };
    const result = await runScript('grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status', (config) => {
      config.process.capabilities = caps;
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('CapInh:\t0000000000000000\nCapPrm:\t0000000000000420\nCapEff:\t0000000000000420\nCapAmb:\t0000000000000000\n');
    expect(result.exitCode).toBe(0);
  });

  it('sets no_new_privs only when noNewPrivileges is true', async () => {
    const on = await runScript('grep NoNewPrivs /proc/self/status', (config) => (config.process.noNewPrivileges = true));
    const off = await runScript('grep NoNewPrivs /proc/self/status', (config) => (config.process.noNewPrivileges = false));
    expect(on.stdout).toBe('NoNewPrivs:\t1\n');
    expect(off.stdout).toBe('NoNewPrivs:\t0\n');
  });

  it('sets rlimits', async () => {
    const result = await runScript('ulimit -n; ulimit -Hn; ulimit -c', (config) => {
      config.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
      ];
    });
    expect(result.stdout).toBe('100\n200\n0\n');
  });

  it("refuses an rlimit above the caller's hard limit, naming it", async () => {
    const hard = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }));
    const result = await runScript('echo ran', (config) => {
      config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: hard + 1 }];
    });
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/rlimit RLIMIT_NOFILE: raising the hard limit above the caller's needs privileges/);
  });

  it('sets the umask', async () => {
    const result = await runScript('umask', (config) => (config.process.user = { uid: 0, gid: 0, umask: 0o27 }));
    expect(result.stdout).toBe('0027\n');
  });

  it('sets oomScoreAdj', async () => {
    const result = await runScript('cat /proc/self/oom_score_adj', (config) => (config.process.oomScoreAdj = 500));
    expect(result.stdout).toBe('500\n');
  });

  it('gives a terminal of consoleSize', async () => {
    const result = await runScript('tty; stty size', (config) => {
      config.process.terminal = true;
      config.process.consoleSize = { height: 30, width: 100 };
    });
    expect(result.stdout.replaceAll('\r', '')).toBe('/dev/pts/0\n30 100\n');
  });
});

describe('root, hostname and mounts', () => {
  it('mounts root.path (relative to the bundle) read-only, and sets the hostname and domainname', async () => {
    const result = await runScript('hostname; cat /proc/sys/kernel/domainname; touch /etc/new 2>&1; awk \'$5 == "/" { print $6 }\' /proc/self/mountinfo', (config) => {
      config.hostname = 'bundle-host';
      config.domainname = 'example.org';
      config.root = { path: 'rootfs', readonly: true };
    });
    expect(result.stdout).toMatch(/^bundle-host\nexample\.org\ntouch: \/etc\/new: Read-only file system\nro,/);
    expect(existsSync(join(rootfs, 'etc', 'new'))).toBe(false);
  });

  it('binds a source relative to the bundle with ro, nosuid, nodev and noexec', async () => {
    const dir = makeBundle((config) => {
      shell(config, 'cat /data/file; awk \'$5 == "/data" { print $6 }\' /proc/self/mountinfo; touch /data/x 2>&1');
      config.mounts?.push({ destination: '/data', type: 'bind', source: 'shared', options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    });
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'file'), 'from the host\n');
    const result = await runBundle(dir);
    expect(result.stdout).toBe('from the host\nro,nosuid,nodev,noexec,relatime\ntouch: /data/x: Read-only file system\n');
  });

  it('mounts tmpfs with size and mode, proc, mqueue and devpts where config.json puts them', async () => {
    const result = await runScript("awk '$5 ~ /^\\/(tmp|proc2|dev\\/mqueue|mnt)$/ { print $5, $6, $(NF-2), $NF }' /proc/self/mountinfo | sort; ls -ld /tmp | cut -c1-10", (config) => {
      config.mounts?.push(
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'size=1m', 'mode=700'] },
        { destination: '/proc2', type: 'proc', source: 'proc', options: ['nosuid', 'nodev', 'noexec'] },
        { destination: '/mnt', type: 'devpts', source: 'devpts', options: ['newinstance', 'ptmxmode=0666'] },
      );
    });
    expect(result.stdout).toBe(
      [
        '/dev/mqueue rw,nosuid,nodev,noexec,relatime mqueue rw',
        '/mnt rw,relatime devpts rw,mode=600,ptmxmode=666',
        '/proc2 rw,nosuid,nodev,noexec,relatime proc rw',
        // Exactly its options: no nodev the config did not ask for.
        `/tmp rw,nosuid,noexec,relatime tmpfs rw,size=1024k,mode=700,uid=${uid},gid=${userInfo().gid}`,
        'drwx------',
        '',
      ].join('\n'),
    );
  });

  it('binds the host cgroup tree for a cgroup mount, read-only', async () => {
    const result = await runScript('awk \'$5 == "/sys/fs/cgroup" { print $6 }\' /proc/self/mountinfo; ls /sys/fs/cgroup | grep -c .', (config) => {
      config.mounts?.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] });
    });
    const [flags, count] = result.stdout.split('\n');
    expect(flags).toMatch(/^ro,nosuid,nodev,noexec/);
    expect(Number(count)).toBeGreaterThan(0);
  });

  it('gives / the rootfsPropagation asked for', async () => {
    const script = 'awk \'$5 == "/" { print $7 }\' /proc/self/mountinfo';
    const shared = await runScript(script, (config) => (config.linux.rootfsPropagation = 'shared'));
    const privateRoot = await runScript(script, (config) => (config.linux.rootfsPropagation = 'rprivate'));
    expect(shared.stdout).toMatch(/^shared:\d+\n$/);
    expect(privateRoot.stdout).toBe('-\n');
  });

  it('binds the host device nodes of linux.devices', async () => {
    const result = await runScript('ls -l /dev/net/tun | cut -c1; exec 3<>/dev/net/tun && echo opened', (config) => {
      config.linux.devices = [{ path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 0o666 }];
    });
    expect(result.stdout).toBe('c\nopened\n');
  });
});

describe('linux', () => {
  const ns = (type: string): string => readlinkSync(`/proc/self/ns/${type}`);

  it('creates the namespaces listed and shares the others with the host', async () => {
    const script = 'for t in net uts ipc cgroup; do readlink /proc/self/ns/$t; done';
    const own = await runScript(script, (config) => config.linux.namespaces?.push({ type: 'cgroup' }));
    const shared = await runScript(script, (config) => {
      config.linux.namespaces = config.linux.namespaces?.filter((namespace) => !['network', 'uts', 'ipc'].includes(namespace.type));
      // Without their own namespaces: no hostname, no mqueue (it belongs to an IPC namespace).
      delete config.hostname;
      config.mounts = config.mounts?.filter((mount) => mount.type !== 'mqueue');
    });
    expect(shared.stderr).toBe('');
    const ownLines = own.stdout.split('\n');
    expect(ownLines.slice(0, 4).every((line, index) => line !== ns(['net', 'uts', 'ipc', 'cgroup'][index] ?? ''))).toBe(true);
    expect(shared.stdout).toBe(`${ns('net')}\n${ns('uts')}\n${ns('ipc')}\n${ns('cgroup')}\n`);
  });

  it('joins the user and network namespaces of another container by path', async () => {
    const marker = 'ryouiki-oci-test-join';
    // The shell keeps the marker in its command line, and ends at once on SIGTERM.
    const first = startRyouiki(['tenkai', '--bundle', makeBundle((config) => shell(config, `trap "exit 0" TERM; sleep 60 & wait; # ${marker}`)), '--root', join(work, 'join-store')]);
    const firstDone = collect(first);
    const sleeper = await waitFor(() => leftovers(marker).find((p) => p.comm === 'sh'), 'the first container to run');
    const firstNetwork = readlinkSync(`/proc/${sleeper.pid}/ns/net`);
    const result = await runScript('readlink /proc/self/ns/net; cat /proc/self/uid_map | tr -s " " | head -1', (config) => {
      config.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'user', path: `/proc/${sleeper.pid}/ns/user` }, { type: 'network', path: `/proc/${sleeper.pid}/ns/net` }];
      delete config.hostname;
    });
    first.kill('SIGTERM');
    await firstDone;
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toBe(firstNetwork);
    expect(firstNetwork).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect(result.stdout.split('\n')[1]?.trim()).toBe(`0 ${uid} 1`);
  });

  it('writes uidMappings and gidMappings as given', async () => {
    const start = subordinateStart();
    const result = await runScript('cat /proc/self/uid_map /proc/self/gid_map | tr -s " " | sed "s/^ //"', (config) => {
      config.linux.uidMappings = [
        { containerID: 0, hostID: uid, size: 1 },
        { containerID: 1, hostID: start, size: 1000 },
      ];
      config.linux.gidMappings = [
        { containerID: 0, hostID: userInfo().gid, size: 1 },
        { containerID: 1, hostID: start, size: 1000 },
      ];
    });
    expect(result.stdout).toBe(`0 ${uid} 1\n1 ${start} 1000\n0 ${userInfo().gid} 1\n1 ${start} 1000\n`);
  });

  it('masks maskedPaths and protects readonlyPaths, instead of the default lists', async () => {
    const masks = 'awk \'$5 == "/proc/keys" || $5 == "/proc/cpuinfo" { print $5 }\' /proc/self/mountinfo';
    const given = await runScript(`wc -c < /proc/cpuinfo; echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo read-only; ${masks}`, (config) => {
      config.linux.maskedPaths = ['/proc/cpuinfo'];
      config.linux.readonlyPaths = ['/proc/sys'];
    });
    expect(given.stdout).toBe('0\nread-only\n/proc/cpuinfo\n');
    const none = await runScript(`echo 1 > /proc/sys/net/ipv4/ip_forward && echo writable; ${masks}`, (config) => {
      config.linux.maskedPaths = [];
      config.linux.readonlyPaths = [];
      // Writing a network parameter takes CAP_NET_ADMIN, which runc's default set has not.
      config.process.capabilities = { bounding: ['CAP_NET_ADMIN'], effective: ['CAP_NET_ADMIN'], permitted: ['CAP_NET_ADMIN'] };
    });
    expect(none.stderr).toBe('');
    expect(none.stdout).toBe('writable\n');
  });

  it('applies the seccomp profile', async () => {
    const result = await runScript('mkdir /tmp/x 2>&1; echo still running', (config) => {
      config.mounts?.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
      config.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    expect(result.stdout).toBe("mkdir: can't create directory '/tmp/x': Operation not permitted\nstill running\n");
  });

  it('sets namespaced sysctls, and refuses one of the host', async () => {
    const result = await runScript('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni', (config) => {
      config.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '123' };
    });
    expect(result.stdout).toBe('1\n123\n');
    const refused = await runScript('echo ran', (config) => (config.linux.sysctl = { 'vm.swappiness': '10' }));
    expect(refused.exitCode).toBe(125);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'ryouiki: ' +
        `${join(work, `bundle-${bundles}`, 'config.json')}: linux.sysctl["vm.swappiness"] (not namespaced: it would change the host) is not supported by ryouiki: remove it, or pass --ignore-unsupported to run without it\n`,
    );
  });
});

describeIf(missingDelegation(), 'the test user needs delegated cgroups')('linux.resources', () => {
  let parent: TestCgroupParent;
  beforeAll(() => {
    parent = makeTestCgroupParent();
  });
  afterAll(() => removeTestCgroupParent(parent));
  afterEach(() => expect(cgroupsBelow(parent)).toEqual([]));
  const inParent = (): string[] => ['--cgroup-parent', parent.name];

  it('OOM-kills beyond memory.limit', async () => {
    const result = await runScript('dd if=/dev/zero of=/dev/null bs=64M count=1', (config) => (config.linux.resources = { memory: { limit: 32 << 20 } }), inParent());
    expect(result.exitCode).toBe(137);
  });

  it('makes forks beyond pids.limit fail', async () => {
    const forker = 'sh -c \'for i in $(seq 1 40); do sleep 60 & done\'; echo "forker: $?"; kill -9 -1; echo survived';
    const result = await runScript(forker, (config) => (config.linux.resources = { pids: { limit: 20 } }), inParent());
    expect(result.stderr).toContain("can't fork: Resource temporarily unavailable");
    expect(result.stdout).toBe('forker: 2\nsurvived\n');
  });

  it('writes cpu quota, period and shares (as weight on cgroup v2)', async () => {
    // The host's cgroup tree, bound: the container's own cgroup files, v1 cpu where v1 has it, else v2.
    const script = [
      'line=$(grep -E "^[0-9]+:([^:]*,)?cpu(,[^:]*)?:" /proc/self/cgroup | head -1)',
      'if [ -n "$line" ]; then d=/sys/fs/cgroup/$(echo "$line" | cut -d: -f2)$(echo "$line" | cut -d: -f3); cat $d/cpu.cfs_quota_us $d/cpu.cfs_period_us $d/cpu.shares;',
      'else d=/sys/fs/cgroup$(grep "^0::" /proc/self/cgroup | cut -d: -f3); cat $d/cpu.max $d/cpu.weight; fi',
    ].join('\n');
    const result = await runScript(
      script,
      (config) => {
        config.linux.resources = { cpu: { quota: 50000, period: 100000, shares: 512 } };
        config.mounts?.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] });
      },
      inParent(),
    );
    expect(result.stdout).toMatch(/^(50000\n100000\n512|50000 100000\n20)\n$/);
  });
});

describe('hooks', () => {
  it("runs each hook with the state on stdin, in order, createContainer in the container's namespaces", async () => {
    const dir = makeBundle((config) => {
      const out = join(work, `bundle-${bundles}`);
      shell(config, `echo command >> ${out}/order`);
      config.mounts?.push({ destination: join(out), type: 'bind', source: out, options: ['rbind'] });
      config.annotations = { 'org.example.test': 'yes' };
      config.hooks = {
        prestart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/prestart.json; echo prestart >> ${out}/order`] }],
        createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo createRuntime >> ${out}/order; readlink /proc/self/ns/net > ${out}/runtime-net`] }],
        createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `echo createContainer >> ${out}/order; readlink /proc/self/ns/net > ${out}/container-net`] }],
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/startContainer.json; hostname > ${out}/start-hostname; echo startContainer >> ${out}/order`], timeout: 5 }],
        poststart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/poststart.json; echo poststart >> ${out}/order`] }],
        poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/poststop.json; echo poststop >> ${out}/order`], env: ['A=1'], timeout: 10 }],
      };
    });
    mkdirSync(join(rootfs, dir.slice(1)), { recursive: true });
    const result = await runBundle(dir);
    expect(result.stderr).toBe('');
    const order = readFileSync(join(dir, 'order'), 'utf8').split('\n');
    expect(order.slice(0, 4)).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer']);
    expect(order.slice(4, 6).sort()).toEqual(['command', 'poststart']);
    expect(order[6]).toBe('poststop');
    const prestart = JSON.parse(readFileSync(join(dir, 'prestart.json'), 'utf8'));
    expect(prestart).toEqual({
      ociVersion: '1.2.0',
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      status: 'creating',
      pid: expect.any(Number),
      bundle: dir,
      annotations: { 'org.example.test': 'yes' },
    });
    expect(JSON.parse(readFileSync(join(dir, 'startContainer.json'), 'utf8'))).toEqual({ ...prestart, status: 'created' });
    expect(readFileSync(join(dir, 'start-hostname'), 'utf8')).toBe('ryouiki\n');
    expect(JSON.parse(readFileSync(join(dir, 'poststart.json'), 'utf8'))).toMatchObject({ id: prestart.id, status: 'running', pid: prestart.pid });
    expect(JSON.parse(readFileSync(join(dir, 'poststop.json'), 'utf8'))).toMatchObject({ id: prestart.id, status: 'stopped' });
    expect(readFileSync(join(dir, 'runtime-net'), 'utf8').trim()).toBe(ns('net'));
    expect(readFileSync(join(dir, 'container-net'), 'utf8').trim()).not.toBe(ns('net'));
  });

  const ns = (type: string): string => readlinkSync(`/proc/self/ns/${type}`);

  it('does not start the container when a prestart hook fails, names the hook and leaves nothing behind', async () => {
    const marker = join(work, 'never-created');
    const result = await runScript(`touch ${marker}`, (config) => {
      config.hooks = { prestart: [{ path: '/bin/sh', args: ['sh', '-c', 'echo no network for you >&2; exit 3'] }] };
    });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('ryouiki: hooks.prestart[0] (/bin/sh) exited with 3: no network for you\n');
    expect(existsSync(marker)).toBe(false);
    await expectNoLeftovers(marker);
  });

  it('does not run the command when a startContainer hook fails in the container', async () => {
    const result = await runScript('echo ran', (config) => {
      config.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 5'] }] };
    });
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('ryouiki: hooks.startContainer[0] (/bin/sh) exited with 5\n');
  });

  // The state is bigger than a pipe's buffer: a hook that exits (or sleeps) without reading
  // it is certain to meet a runtime that is still writing, which once died of SIGPIPE (141).
  const bigState = (config: Config): void => {
    config.annotations = { 'org.example.big': 'x'.repeat(256 * 1024) };
  };

  it('reports a startContainer hook that exits without reading its state, not SIGPIPE', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await runScript('echo ran', (config) => {
        bigState(config);
        config.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 5'] }] };
      });
      expect(result.stderr).toBe('ryouiki: hooks.startContainer[0] (/bin/sh) exited with 5\n');
      expect(result.exitCode).toBe(125);
      expect(result.stdout).toBe('');
    }
  });

  it('runs the command after a startContainer hook that succeeds without reading its state', async () => {
    const result = await runScript('echo ran', (config) => {
      bigState(config);
      config.hooks = { startContainer: [{ path: '/bin/true' }] };
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ran\n');
    expect(result.exitCode).toBe(0);
  });

  it('kills a startContainer hook that never reads its state past its timeout', async () => {
    const result = await runScript('echo ran', (config) => {
      bigState(config);
      config.hooks = { startContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    expect(result.stderr).toBe('ryouiki: hooks.startContainer[0] (/bin/sleep) ran longer than its timeout of 1 s and was killed\n');
    expect(result.exitCode).toBe(125);
  });

  it('kills a createRuntime hook past its timeout and names it', async () => {
    const result = await runScript('echo ran', (config) => {
      config.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('ryouiki: hooks.createRuntime[0] (/bin/sleep) ran longer than its timeout of 1 s and was killed\n');
  });

  it('only warns when a poststart or poststop hook fails', async () => {
    const result = await runScript('echo ran; exit 4', (config) => {
      config.hooks = { poststop: [{ path: '/bin/false' }], poststart: [{ path: '/nonexistent/hook' }] };
    });
    expect(result.stdout).toBe('ran\n');
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/^ryouiki: warning: hooks\.poststart\[0\] \(\/nonexistent\/hook\) could not run: .*\nryouiki: warning: hooks\.poststop\[0\] \(\/bin\/false\) exited with 1\n$/);
  });
});

describe('bad bundles', () => {
  it('refuses an unsupported field, naming it, and runs without it with --ignore-unsupported', async () => {
    const dir = makeBundle((config) => {
      shell(config, 'echo ran');
      config.linux.intelRdt = { closID: 'x' };
    });
    const refused = await runBundle(dir);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toBe(`ryouiki: ${dir}/config.json: linux.intelRdt is not supported by ryouiki: remove it, or pass --ignore-unsupported to run without it\n`);
    const ignored = await runBundle(dir, ['--ignore-unsupported']);
    expect(ignored.stdout).toBe('ran\n');
    expect(ignored.stderr).toBe('ryouiki: warning: config.json: linux.intelRdt is not supported and was left out (--ignore-unsupported)\n');
  });

  it('says what is wrong with a missing or broken config.json', async () => {
    const missing = await ryouiki(['tenkai', '--bundle', work]);
    expect(missing.stderr).toBe(`ryouiki: ${work}/config.json does not exist: a bundle needs a config.json (ryouiki spec writes one)\n`);
    const dir = makeBundle();
    writeFileSync(join(dir, 'config.json'), '{"ociVersion": "1.2.0", "process": ');
    const broken = await runBundle(dir);
    expect(broken.exitCode).toBe(125);
    expect(broken.stderr).toMatch(/^ryouiki: .*config\.json: not valid JSON: /);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...defaultOciConfig(), ociVersion: '2.0.0' }));
    expect((await runBundle(dir)).stderr).toMatch(/ociVersion "2\.0\.0" is not a runtime-spec version Ryouiki reads: use a 1\.x version such as 1\.0\.2\n$/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...defaultOciConfig(), process: { ...defaultOciConfig().process, cwd: 7 } }));
    expect((await runBundle(dir)).stderr).toMatch(/process\.cwd must be a string, got 7\n$/);
  });

  it('refuses flags that config.json decides, and --path with --bundle', async () => {
    const dir = makeBundle();
    for (const args of [
      ['--path', rootfs],
      ['--memory', '64m'],
      ['--command', 'true'],
      ['--', 'true'],
    ]) {
      const result = await runBundle(dir, args);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/cannot be given with --bundle: the bundle's config\.json/);
    }
  });
});
