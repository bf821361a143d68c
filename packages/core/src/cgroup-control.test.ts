import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cgroupName, cgroupStats, containerStats, findContainerCgroups } from './cgroup-control.js';
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

  it('gathers a container\'s folders from every hierarchy, found by its id or the start of it', () => {
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
