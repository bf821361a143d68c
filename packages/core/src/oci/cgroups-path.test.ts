import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupSystem } from '../cgroup/cgroup-system.js';
import { bundleCgroupOptions, cgroupsPathOptions } from './cgroups-path.js';

describe('cgroupsPathOptions', () => {
  it('splits an absolute or relative path into the parent and the folder name', () => {
    expect(cgroupsPathOptions('/default/c1')).toEqual({ parent: '/default', name: 'c1' });
    expect(cgroupsPathOptions('/c1')).toEqual({ parent: '/', name: 'c1' });
    expect(cgroupsPathOptions('pods/c1/')).toEqual({ parent: 'pods', name: 'c1' });
    expect(cgroupsPathOptions('c1')).toEqual({ parent: '', name: 'c1' });
    expect(cgroupsPathOptions(undefined)).toEqual({});
  });

  it("refuses a path with '..' or without a folder, naming linux.cgroupsPath", () => {
    expect(() => cgroupsPathOptions('../c1')).toThrow(/linux\.cgroupsPath "\.\.\/c1" must name a folder/);
    expect(() => cgroupsPathOptions('/')).toThrow(/linux\.cgroupsPath/);
  });
});

describe('bundleCgroupOptions', () => {
  const root = mkdtempSync(join(tmpdir(), 'ryouiki-cgroups-path-'));
  const own = join(root, 'user.slice');
  mkdirSync(own);
  const system: CgroupSystem = { mode: 'unified', hierarchies: [{ version: 2, mountPoint: root, ownDir: own, controllers: [] }] } as CgroupSystem;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes the parents of a path the caller may make, and keeps it', () => {
    const warnings: string[] = [];
    expect(bundleCgroupOptions('pods/p1/c1', (message) => warnings.push(message), undefined, system)).toEqual({ parent: 'pods/p1', name: 'c1' });
    expect(existsSync(join(own, 'pods', 'p1'))).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("falls back below the caller's own cgroup, with a warning, where no hierarchy lets it make the path", () => {
    const warnings: string[] = [];
    const unwritable: CgroupSystem = { ...system, hierarchies: [{ ...system.hierarchies[0]!, mountPoint: '/proc/1' }] };
    expect(bundleCgroupOptions('/default/c1', (message) => warnings.push(message), undefined, unwritable)).toEqual({});
    expect(warnings[0]).toMatch(/linux\.cgroupsPath \/default\/c1: no hierarchy lets you make it/);
  });
});
