import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cgroupName, removeStaleCgroups } from './cgroup-control.js';
import { planCgroup } from './cgroup.js';
import { resourcesFromFlags, type LimitFlags } from './cgroup-limits.js';
import type { CgroupSystem } from './cgroup-system.js';
import type { ContainerSpec, LinuxResources } from '../spec/spec.js';

// Plain folders stand in for cgroup hierarchies: planning only reads them.
const top = mkdtempSync(join(tmpdir(), 'ryouiki-cgroup-plan-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const ID = 'a'.repeat(64);

function folder(...parts: string[]): string {
  const dir = join(top, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function hybrid(v2Controllers: string[], v1: string[]): CgroupSystem {
  const unified = folder('unified');
  writeFileSync(join(unified, 'cgroup.controllers'), v2Controllers.join(' '));
  const legacy = v1.map((controller) => ({ version: 1 as const, mountPoint: folder(controller), ownDir: folder(controller), controllers: [controller] }));
  return { mode: 'hybrid', hierarchies: [...legacy, { version: 2, mountPoint: unified, ownDir: unified, controllers: v2Controllers }] };
}

function specWith(limits: LimitFlags): ContainerSpec {
  const { resources } = resourcesFromFlags(limits);
  return { ociVersion: '1.2.0', process: { args: ['true'], env: [], cwd: '/' }, root: { path: '/' }, linux: { namespaces: [], resources } };
}

describe('planCgroup', () => {
  it('makes a folder in every writable hierarchy, each limit where its controller is', () => {
    const system = hybrid(['pids'], ['memory', 'cpu']);
    const plan = planCgroup(specWith({ memory: '32m', pidsLimit: '10' }), ID, {}, system);
    expect(plan?.cgroups.folders).toEqual([
      { version: 1, dir: join(top, 'memory', cgroupName(ID)), controllers: ['memory'] },
      { version: 1, dir: join(top, 'cpu', cgroupName(ID)), controllers: ['cpu'] },
      { version: 2, dir: join(top, 'unified', cgroupName(ID)), controllers: ['pids'] },
    ]);
  });

  it('refuses a limit no hierarchy can enforce, naming the controller and what it found', () => {
    const system = hybrid([], ['memory']);
    expect(() => planCgroup(specWith({ pidsLimit: '10' }), ID, {}, system)).toThrow(
      `--pids-limit cannot be enforced: the pids cgroup controller is not delegated to you (cgroup v2 ${join(top, 'unified')} offers no controller): get a delegated cgroup (systemd-run --user --scope -p Delegate=yes ..., or a cgroup folder an administrator chowns to you), or drop --pids-limit`,
    );
  });

  it('refuses --memory-swap without swap accounting', () => {
    const system = hybrid([], ['memory']);
    expect(() => planCgroup(specWith({ memory: '32m', memorySwap: '64m' }), ID, {}, system)).toThrow(/^--memory-swap cannot be enforced: swap accounting is off in /);
    writeFileSync(join(top, 'memory', 'memory.memsw.limit_in_bytes'), '');
    expect(planCgroup(specWith({ memory: '32m', memorySwap: '64m' }), ID, {}, system)).toBeDefined();
  });

  it('gives no cgroup with enabled: false, and refuses limits then', () => {
    const system = hybrid([], ['memory']);
    expect(planCgroup(specWith({}), ID, { enabled: false }, system)).toBeUndefined();
    expect(() => planCgroup(specWith({ cpus: '1' }), ID, { enabled: false }, system)).toThrow('--cpus needs a cgroup, and --cgroups=disabled turns them off: drop one of the two');
  });

  it('refuses a --cgroup-parent that exists nowhere', () => {
    expect(() => planCgroup(specWith({}), ID, { parent: 'nope' }, hybrid([], ['memory']))).toThrow(/^--cgroup-parent nope: no such cgroup folder that you can write/);
  });
});

describe('planCgroup: the other controllers of a bundle', () => {
  const spec = (resources: LinuxResources): ContainerSpec => ({ ...specWith({}), linux: { namespaces: [], resources } });

  it('joins cpuset and blkio only for a limit of theirs, each written where it is', () => {
    const system = hybrid([], ['memory', 'cpuset', 'blkio']);
    expect(planCgroup(specWith({}), ID, {}, system)?.cgroups.folders.map((item) => item.controllers)).toEqual([['memory'], []]);
    const plan = planCgroup(spec({ cpu: { cpus: '0' }, blockIO: { weight: 300 } }), ID, {}, system);
    expect(plan?.cgroups.folders.map((item) => item.controllers)).toEqual([['memory'], ['cpuset'], ['blkio'], []]);
  });

  it('enforces blockIO by v2 io where the v2 parent offers it', () => {
    const plan = planCgroup(spec({ blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } }), ID, {}, hybrid(['io'], ['blkio']));
    expect(plan?.cgroups.folders).toEqual([{ version: 2, dir: join(top, 'unified', cgroupName(ID)), controllers: ['io'] }]);
  });

  it('refuses a v1-only setting no v1 hierarchy takes, naming its JSON path', () => {
    expect(() => planCgroup(spec({ network: { classID: 1 } }), ID, {}, hybrid(['memory'], ['memory']))).toThrow(
      /^linux\.resources\.network\.classID cannot be enforced: the net_cls cgroup controller is not delegated to you \(this machine mounts no cgroup hierarchy with it\)/,
    );
  });

  it('ignores the kernel memory limit with a warning everywhere, as runc does', () => {
    const plan = planCgroup(spec({ memory: { kernel: 1 << 20 } }), ID, {}, hybrid([], ['memory']));
    expect(plan?.warnings).toEqual(['linux.resources.memory.kernel: kernel memory limits are deprecated (Linux 5.4): ignored, as runc ignores them']);
    expect(plan?.cgroups.folders.map((item) => item.controllers)).toEqual([['memory'], []]);
  });

  it('ignores a v1-only setting on cgroup v2 alone with a warning, as runc does', () => {
    const unified = folder('pure');
    writeFileSync(join(unified, 'cgroup.controllers'), 'memory');
    const system: CgroupSystem = { mode: 'unified', hierarchies: [{ version: 2, mountPoint: unified, ownDir: unified, controllers: ['memory'] }] };
    const plan = planCgroup(spec({ memory: { reservation: 1 << 20, swappiness: 10 } }), ID, {}, system);
    expect(plan?.warnings).toEqual(['linux.resources.memory.swappiness: cgroup v2 has no such setting: ignored, as runc ignores it']);
    expect(plan?.cgroups.folders[0]?.controllers).toEqual(['memory']);
  });
});

describe('removeStaleCgroups', () => {
  it('removes folders whose maker is gone and keeps those of a live one and foreign ones', () => {
    const parent = folder('stale');
    const dead = folder('stale', cgroupName(ID, 2 ** 22 + 1));
    const live = folder('stale', cgroupName(ID, process.pid));
    const foreign = folder('stale', 'other');
    removeStaleCgroups([parent]);
    expect([existsSync(dead), existsSync(live), existsSync(foreign)]).toEqual([false, true, true]);
  });
});
