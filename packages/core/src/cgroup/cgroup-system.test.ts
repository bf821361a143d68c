import { describe, expect, it } from '@jest/globals';
import { cgroupHierarchies, cgroupParentDir, ownCgroupDir, parseCgroupMounts, parseProcCgroup } from './cgroup-system.js';

// This project's own machines: v1 controllers, each on its own hierarchy, plus a v2 tree at unified/.
const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const HYBRID_CGROUP = `9:name=systemd:/
8:pids:/
4:memory:/process_api/e8ab
2:cpuacct:/
1:cpu:/
0::/
`;

describe('parseCgroupMounts', () => {
  it('finds the v1 hierarchies Ryouiki uses and the v2 tree of a hybrid machine', () => {
    expect(parseCgroupMounts(HYBRID_MOUNTINFO)).toEqual([
      { version: 1, mountPoint: '/sys/fs/cgroup/cpu', root: '/', controllers: ['cpu'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/cpuacct', root: '/', controllers: ['cpuacct'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/', controllers: ['memory'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/pids', root: '/', controllers: ['pids'] },
      { version: 2, mountPoint: '/sys/fs/cgroup/unified', root: '/', controllers: [] },
    ]);
  });

  it('reads co-mounted controllers once, and unescapes mount points', () => {
    const text = `30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
31 25 0:26 / /mnt/a\\040b rw - cgroup cgroup rw,cpu,cpuacct
32 25 0:27 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate
`;
    expect(parseCgroupMounts(text)).toEqual([
      { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] },
      { version: 2, mountPoint: '/sys/fs/cgroup', root: '/user.slice', controllers: [] },
    ]);
  });
});

describe('parseProcCgroup', () => {
  it('splits the v2 line from the v1 controllers', () => {
    const parsed = parseProcCgroup(HYBRID_CGROUP);
    expect(parsed.unified).toBe('/');
    expect(parsed.legacy.get('memory')).toBe('/process_api/e8ab');
    expect(parsed.legacy.get('name=systemd')).toBe('/');
  });

  it('keeps colons inside a path', () => {
    expect(parseProcCgroup('0::/user.slice/a:b.scope\n').unified).toBe('/user.slice/a:b.scope');
  });
});

describe('ownCgroupDir', () => {
  const mount = { version: 2 as const, mountPoint: '/sys/fs/cgroup', root: '/user.slice', controllers: [] };

  it('places the caller below a mount that shows a subtree', () => {
    expect(ownCgroupDir(mount, '/user.slice/user-1000.slice/x.scope')).toBe('/sys/fs/cgroup/user-1000.slice/x.scope');
  });

  it('says undefined when the caller lies outside the mounted subtree', () => {
    expect(ownCgroupDir(mount, '/system.slice/a.service')).toBeUndefined();
  });
});

describe('cgroupHierarchies and cgroupParentDir', () => {
  const hierarchies = cgroupHierarchies(parseCgroupMounts(HYBRID_MOUNTINFO), parseProcCgroup(HYBRID_CGROUP), () => ['hugetlb']);

  it('puts the caller in each hierarchy, with v2 controllers from its cgroup.controllers', () => {
    expect(hierarchies.map((h) => [h.version, h.ownDir, h.controllers.join()])).toEqual([
      [1, '/sys/fs/cgroup/cpu', 'cpu'],
      [1, '/sys/fs/cgroup/cpuacct', 'cpuacct'],
      [1, '/sys/fs/cgroup/memory/process_api/e8ab', 'memory'],
      [1, '/sys/fs/cgroup/pids', 'pids'],
      [2, '/sys/fs/cgroup/unified', 'hugetlb'],
    ]);
  });

  it("takes --cgroup-parent relative to the caller's cgroup, or absolute from the hierarchy's root", () => {
    const memory = hierarchies[2];
    if (memory === undefined) throw new Error('no memory hierarchy');
    expect(cgroupParentDir(memory, undefined)).toBe('/sys/fs/cgroup/memory/process_api/e8ab');
    expect(cgroupParentDir(memory, 'box')).toBe('/sys/fs/cgroup/memory/process_api/e8ab/box');
    expect(cgroupParentDir(memory, '/box')).toBe('/sys/fs/cgroup/memory/box');
  });
});
