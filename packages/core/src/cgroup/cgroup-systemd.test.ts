import { describe, expect, it } from '@jest/globals';
import { parseSystemdCgroupsPath, RYOUIKI_SLICE, sliceDir } from './cgroup-systemd.js';

describe('sliceDir', () => {
  it('nests a slice in its parents, as systemd lays them out', () => {
    expect(sliceDir('user.slice')).toBe('user.slice');
    expect(sliceDir('a-b-c.slice')).toBe('a.slice/a-b.slice/a-b-c.slice');
    expect(sliceDir('-.slice')).toBe('');
  });
});

describe('parseSystemdCgroupsPath', () => {
  const id = 'f'.repeat(64);

  it("reads runc's slice:prefix:name, as podman passes it", () => {
    expect(parseSystemdCgroupsPath(`user.slice:libpod:${id}`, id)).toEqual({ slice: 'user.slice', unit: `libpod-${id}.scope` });
    expect(parseSystemdCgroupsPath('machine.slice::web', id)).toEqual({ slice: 'machine.slice', unit: 'web.scope' });
  });

  it("gives an empty slice, or an empty path, ryouiki's own slice", () => {
    expect(parseSystemdCgroupsPath(':ctr:web', id)).toEqual({ slice: RYOUIKI_SLICE, unit: 'ctr-web.scope' });
    expect(parseSystemdCgroupsPath('', id)).toEqual({ slice: RYOUIKI_SLICE, unit: `ryouiki-${id}.scope` });
  });

  it('refuses a cgroupfs path and names the form it takes', () => {
    for (const path of ['/ryouiki/x', 'user.slice:libpod', 'user:libpod:x', 'user.slice:a b:x']) {
      expect(() => parseSystemdCgroupsPath(path, id)).toThrow(/with --systemd-cgroup it takes systemd's form slice:prefix:name/);
    }
  });
});
