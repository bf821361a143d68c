import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cgroupName, cgroupStats, containerStats, findContainerCgroups, isReleasableCgroupFolder, releasableCgroups } from './cgroup-control.js';
import type { CgroupSystem } from './cgroup-system.js';

// Plain folders holding what the kernel's cgroup files hold: stats only read them.
const top = mkdtempSync(join(tmpdir(), 'ryouiki-cgroup-stats-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(top, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('cgroupStats', () => {
  it('reads cgroup v2: memory.current, memory.peak, memory.max, the OOM kills of memory.events, pids and cpu.stat', () => {
    const dir = folder('v2', {
      'memory.current': '1048576\n',
      'memory.peak': '2097152\n',
      'memory.max': '33554432\n',
      'memory.events': 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n',
      'pids.current': '3\n',
      'pids.max': 'max\n',
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n',
    });
    expect(cgroupStats({ name: 'x', folders: [{ version: 2, dir, controllers: ['memory', 'pids'] }] })).toEqual({
      memory: { currentBytes: 1048576, peakBytes: 2097152, limitBytes: 33554432, oomKills: 1 },
      pids: { current: 3 },
      cpu: { usageUsec: 1500 },
    });
  });

  it('reads cgroup v1 spread over hierarchies, taking the unlimited value as no limit, and CPU time from cpuacct', () => {
    const memory = folder('v1-memory', {
      'memory.usage_in_bytes': '4096\n',
      'memory.max_usage_in_bytes': '8192\n',
      'memory.limit_in_bytes': '9223372036854771712\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    });
    const cpuacct = folder('v1-cpuacct', { 'cpuacct.usage': '2500000\n' });
    const v2 = folder('v2-no-controllers', {});
    const stats = cgroupStats({
      name: 'x',
      folders: [
        { version: 2, dir: v2, controllers: [] },
        { version: 1, dir: memory, controllers: ['memory'] },
        { version: 1, dir: cpuacct, controllers: ['cpuacct'] },
      ],
    });
    expect(stats).toEqual({ memory: { currentBytes: 4096, peakBytes: 8192, oomKills: 0 }, cpu: { usageUsec: 2500 } });
  });
});

describe('finding containers by their cgroup folders', () => {
  const id = 'b'.repeat(64);
  const other = 'c'.repeat(64);
  const unified = folder('find/unified', {});
  const pids = folder('find/pids', {});
  folder(`find/unified/${cgroupName(id, 10)}`, { 'cgroup.controllers': 'memory\n' });
  folder(`find/pids/${cgroupName(id, 10)}`, { 'pids.current': '2\n' });
  folder(`find/unified/${cgroupName(other, 11)}`, {});
  folder('find/unified/not-ours', {});
  const system: CgroupSystem = {
    mode: 'hybrid',
    hierarchies: [
      { version: 2, mountPoint: unified, ownDir: unified, controllers: [] },
      { version: 1, mountPoint: pids, ownDir: pids, controllers: ['pids'] },
    ],
  };

  it("gathers a container's folders from every hierarchy, found by its id or the start of it", () => {
    expect(findContainerCgroups('bbbb', {}, system)).toEqual({
      name: cgroupName(id, 10),
      folders: [
        { version: 2, dir: join(unified, cgroupName(id, 10)), controllers: ['memory'] },
        { version: 1, dir: join(pids, cgroupName(id, 10)), controllers: ['pids'] },
      ],
    });
    expect(findContainerCgroups('d', {}, system)).toBeUndefined();
  });

  it('lists the stats of every container, and the ids it does not know', () => {
    const { found, unknown } = containerStats([id.slice(0, 12), 'f00'], {}, system);
    expect(found.map((entry) => [entry.id, entry.stats.pids?.current])).toEqual([[id, 2]]);
    expect(unknown).toEqual(['f00']);
    expect(containerStats([], {}, system).found.map((entry) => entry.id)).toEqual([id, other]);
  });
});

describe('isReleasableCgroupFolder', () => {
  // A hierarchy in plain folders: the caller sits in delegated/caller, its containers' folders beside it.
  const mountPoint = folder('releasable/hierarchy', {});
  const delegated = folder('releasable/hierarchy/delegated', {});
  const own = folder('releasable/hierarchy/delegated/caller', {});
  const system: CgroupSystem = { mode: 'unified', hierarchies: [{ version: 2, mountPoint, ownDir: own, controllers: [] }] };
  const name = cgroupName('c'.repeat(64), 1);
  const container = folder(`releasable/hierarchy/delegated/${name}`, {});
  const uid = process.getuid?.();
  const releasable = (dir: string, version: 1 | 2 = 2, as = name, owner = uid): boolean => isReleasableCgroupFolder({ version, dir, controllers: [] }, as, system, owner);

  it("takes a container's folder in a folder of the caller's, in a hierarchy of its version", () => {
    expect(releasable(container)).toBe(true);
    expect(releasable(container, 1)).toBe(false);
  });

  it("refuses the caller's own cgroup and every folder above it", () => {
    expect(releasable(own, 2, 'caller')).toBe(false);
    expect(releasable(delegated, 2, 'delegated')).toBe(false);
    expect(releasable(mountPoint, 2, 'hierarchy')).toBe(false);
  });

  it('refuses a folder named otherwise than the record says, or through ..', () => {
    expect(releasable(own, 2, name)).toBe(false);
    expect(releasable(`${container}/../caller`, 2, 'caller')).toBe(false);
    expect(releasable(`${delegated}//${name}`)).toBe(false);
  });

  it("refuses a folder outside every hierarchy, missing, a symlink, or not the caller's", () => {
    const outside = folder(`releasable/elsewhere/${name}`, {});
    symlinkSync(outside, join(delegated, 'ryouiki-link'));
    expect(releasable(outside)).toBe(false);
    expect(releasable(join(delegated, cgroupName('d'.repeat(64), 1)))).toBe(false);
    expect(releasable(join(delegated, 'ryouiki-link'), 2, 'ryouiki-link')).toBe(false);
    expect(releasable(container, 2, name, (uid ?? 0) + 1)).toBe(false);
  });

  it('keeps only the releasable folders of a record', () => {
    const folders = [
      { version: 2 as const, dir: container, controllers: [] },
      { version: 2 as const, dir: own, controllers: [] },
    ];
    expect(releasableCgroups({ name, folders }, system).folders).toEqual([folders[0]]);
  });
});
