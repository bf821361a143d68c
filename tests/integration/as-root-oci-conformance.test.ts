// Root mode (gap 8 of docs/oci-conformance.md): as root, ryouiki-runtime runs
// a config as runc runs it as root, the way containerd and dockerd run it.
// Runs as root (make check-root).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
import { detectCgroups } from '@ryouiki/core/internal';
import { cgroupFoldersBelow, processesWith } from './engine-harness.js';
import { makeTempDir, removeDir, testRootfs } from './harness.js';
import { containersIn, runtime, type RuntimeOutcome } from './oci-harness.js';

if (process.getuid?.() !== 0) throw new Error('the root-mode tests run as root: make check-root');

const work = makeTempDir('oci-root');
const root = join(work, 'root');
const cgroupParent = `ryouiki-root-test-${randomBytes(4).toString('hex')}`;
let serial = 0;

afterEach(() => {
  expect(containersIn(root)).toEqual([]);
  expect(processesWith(testRootfs())).toEqual([]);
});

/** The cgroup v2 root's enabled controllers: a limit below an absolute cgroupsPath enables its controller there, as runc does; the test undoes it. */
const unifiedRoot = detectCgroups().hierarchies.find((hierarchy) => hierarchy.version === 2)?.mountPoint;
const enabledAtRoot = (): string[] => (unifiedRoot === undefined ? [] : readFileSync(join(unifiedRoot, 'cgroup.subtree_control'), 'utf8').split(/\s+/).filter(Boolean));
const rootEnabled = enabledAtRoot();

afterAll(() => {
  const left = cgroupFoldersBelow(cgroupParent);
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, cgroupParent);
    if (existsSync(dir)) rmdirSync(dir);
  }
  if (unifiedRoot !== undefined) {
    const added = enabledAtRoot().filter((controller) => !rootEnabled.includes(controller));
    if (added.length > 0) writeFileSync(join(unifiedRoot, 'cgroup.subtree_control'), added.map((controller) => `-${controller}`).join(' '));
  }
  removeDir(work);
  expect(left).toEqual([]);
});

type Config = OciConfig & Record<string, any>;

/** runc's default config (`runc spec`, as root: no user namespace) on the test rootfs. */
function rootConfig(script: string, change: (config: Config) => void = () => undefined): Config {
  const config = defaultOciConfig() as Config;
  config.root = { path: testRootfs(), readonly: true };
  config.process!.terminal = false;
  config.process!.args = ['/bin/sh', '-c', script];
  config.linux!.namespaces = config.linux!.namespaces!.filter((namespace) => namespace.type !== 'user');
  change(config);
  return config;
}

async function run(config: Config): Promise<RuntimeOutcome> {
  const dir = join(work, `b${serial++}`);
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(config));
  return runtime(dir, root, ['run', '--bundle', join(dir, 'bundle'), `root${serial}`], 'run');
}

describe('8. root mode', () => {
  it("runs a config without a user namespace in the host's, with the host's ids", async () => {
    const out = await run(rootConfig('readlink /proc/self/ns/user; cat /proc/self/uid_map /proc/self/gid_map; id -u'));
    expect(out.stderr).toBe('');
    const [userNs, uidMap, gidMap, uid] = out.stdout.trim().split('\n');
    expect(userNs).toBe(readlinkSync('/proc/self/ns/user'));
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
    expect(gidMap?.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
    expect(uid).toBe('0');
  });

  it("creates /dev nodes with mknod (not binds of the host's), with the host's numbers and modes", async () => {
    const out = await run(rootConfig("stat -c '%n %t:%T %a' /dev/null /dev/zero /dev/urandom; grep -c ' /dev/null ' /proc/self/mountinfo || true"));
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('/dev/null 1:3 666\n/dev/zero 1:5 666\n/dev/urandom 1:9 666\n0\n');
  });

  it("shares the host's PID namespace without a pid entry, with a new proc of it, as runc does as root", async () => {
    const config = rootConfig('readlink /proc/self/ns/pid; cat /proc/1/comm; sleep 600 & echo $!', (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((namespace) => namespace.type !== 'pid');
    });
    const out = await run(config);
    expect(out.stderr).toBe('');
    const [pidNamespace, init, orphan] = out.stdout.trim().split('\n');
    expect([pidNamespace, init]).toEqual([readlinkSync('/proc/self/ns/pid'), readFileSync('/proc/1/comm', 'utf8').trim()]);
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
  });

  it('still makes a user namespace when the config asks for one', async () => {
    const config = rootConfig('readlink /proc/self/ns/user', (c) => {
      c.linux!.namespaces!.push({ type: 'user' });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    });
    const out = await run(config);
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).not.toBe(readlinkSync('/proc/self/ns/user'));
  });

  it("puts the container in an absolute linux.cgroupsPath with the config's limits, and removes it at the end", async () => {
    const path = `/${cgroupParent}/c1`;
    const config = rootConfig(`grep -E '^[0-9]+:memory:' /proc/self/cgroup; cat /sys/fs/cgroup/memory${path}/memory.limit_in_bytes`, (c) => {
      c.linux!.cgroupsPath = path;
      c.linux!.resources = { memory: { limit: 33554432 } } as never;
      c.mounts!.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] });
    });
    const out = await run(config);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(new RegExp(`^\\d+:memory:${path}\n33554432\n$`));
    expect(cgroupFoldersBelow(cgroupParent)).toEqual([]);
  });
});

/** The kernel's name for its smallest huge page size (hugepages-2048kB is 2MB), as hugetlb's files use it. */
function hugePageSize(): string {
  const sizes = readdirSync('/sys/kernel/mm/hugepages')
    .map((name) => Number(/^hugepages-(\d+)kB$/.exec(name)?.[1]))
    .filter((kb) => kb > 0);
  const kb = Math.min(...sizes);
  if (!Number.isFinite(kb)) throw new Error('this kernel has no huge pages for the hugepageLimits test');
  if (kb % (1 << 20) === 0) return `${kb >> 20}GB`;
  return kb % 1024 === 0 ? `${kb >> 10}MB` : `${kb}KB`;
}

/** A file of the container's cgroup at an absolute cgroupsPath, in whichever hierarchy has it. */
function cgroupFile(path: string, file: string): string | undefined {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const full = join('/sys/fs/cgroup', hierarchy, path, file);
    if (existsSync(full)) return readFileSync(full, 'utf8').trim();
  }
  return undefined;
}

describe('6. resources that need root here', () => {
  it('sets hugepage limits and kernel TCP memory on a created container, and update changes the hugepage limit', async () => {
    const path = `/${cgroupParent}/huge`;
    const pageSize = hugePageSize();
    const dir = join(work, `b${serial++}`);
    mkdirSync(join(dir, 'bundle'), { recursive: true });
    const config = rootConfig('true', (c) => {
      c.linux!.cgroupsPath = path;
      c.linux!.resources = { hugepageLimits: [{ pageSize, limit: 4 << 20 }], memory: { kernelTCP: 8 << 20 } } as never;
    });
    writeFileSync(join(dir, 'bundle', 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'resources.json'), JSON.stringify({ hugepageLimits: [{ pageSize, limit: 2 << 20 }] }));
    const hugetlb = () => cgroupFile(path, `hugetlb.${pageSize}.max`) ?? cgroupFile(path, `hugetlb.${pageSize}.limit_in_bytes`);
    try {
      expect(await runtime(dir, root, ['create', '--bundle', join(dir, 'bundle'), 'huge'], 'create')).toMatchObject({ exitCode: 0, stderr: '' });
      expect(hugetlb()).toBe(String(4 << 20));
      expect(cgroupFile(path, 'memory.kmem.tcp.limit_in_bytes')).toBe(String(8 << 20));
      expect(await runtime(dir, root, ['update', '--resources', join(dir, 'resources.json'), 'huge'], 'update')).toMatchObject({ exitCode: 0, stderr: '' });
      expect(hugetlb()).toBe(String(2 << 20));
    } finally {
      await runtime(dir, root, ['delete', '--force', 'huge'], 'delete');
    }
    expect(cgroupFoldersBelow(cgroupParent)).toEqual([]);
  });
});
