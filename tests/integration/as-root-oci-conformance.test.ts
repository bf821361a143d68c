// Root mode (gap 8 of docs/oci-conformance.md): as root, ryouiki-runtime runs
// a config as runc runs it as root, the way containerd and dockerd run it.
// Runs as root (make check-root).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
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

afterAll(() => {
  const left = cgroupFoldersBelow(cgroupParent);
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, cgroupParent);
    if (existsSync(dir)) rmdirSync(dir);
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

  it('creates /dev nodes with mknod (not binds of the host\'s), with the host\'s numbers and modes', async () => {
    const out = await run(rootConfig("stat -c '%n %t:%T %a' /dev/null /dev/zero /dev/urandom; grep -c ' /dev/null ' /proc/self/mountinfo || true"));
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('/dev/null 1:3 666\n/dev/zero 1:5 666\n/dev/urandom 1:9 666\n0\n');
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
