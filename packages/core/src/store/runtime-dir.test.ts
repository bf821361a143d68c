import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { checkRuntimeDir, ensureRuntimeDir, isInsideDir, recordStaysInside, runtimeDir, storeDirs } from './runtime-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'runtime-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runtimeDir', () => {
  it('follows --root, then RYOUIKI_ROOT, then XDG_RUNTIME_DIR, then a private folder under /tmp', () => {
    expect(runtimeDir({ root: '/r' }, { RYOUIKI_ROOT: '/e', XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/r/run');
    expect(runtimeDir({}, { RYOUIKI_ROOT: '/e', XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/e/run');
    expect(runtimeDir({}, { XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/ryouiki');
    expect(runtimeDir({}, {})).toBe(join(tmpdir(), `ryouiki-${process.getuid?.()}`));
  });

  it('moves data and runtime state together with --root', () => {
    expect(storeDirs({ root: '/r' }, {})).toEqual({ runtime: '/r/run', data: '/r' });
  });
});

describe('ensureRuntimeDir', () => {
  it('creates a 0700 folder, and refuses one others can enter', () => {
    const path = join(dir, 'state');
    ensureRuntimeDir(path);
    ensureRuntimeDir(path);
    chmodSync(path, 0o755);
    expect(() => ensureRuntimeDir(path)).toThrow(`the state folder ${path} is not a private folder of yours (mode 0700)`);
  });

  it('refuses a symlink in its place', () => {
    const target = join(dir, 'elsewhere');
    const link = join(dir, 'link');
    ensureRuntimeDir(target);
    symlinkSync(target, link);
    expect(() => ensureRuntimeDir(link)).toThrow(`the state folder ${link} is not a private folder of yours (mode 0700)`);
  });
});

describe('storeDirs', () => {
  it('refuses to open a store whose runtime folder others can enter, or that is a symlink; a missing one is fine', () => {
    const root = join(dir, 'store');
    expect(storeDirs({ root }, {}).runtime).toBe(join(root, 'run'));
    ensureRuntimeDir(join(root, 'run'));
    expect(storeDirs({ root }, {}).runtime).toBe(join(root, 'run'));
    chmodSync(join(root, 'run'), 0o755);
    expect(() => storeDirs({ root }, {})).toThrow('is not a private folder of yours (mode 0700)');
    ensureRuntimeDir(join(dir, 'real-run'));
    symlinkSync(join(dir, 'real-run'), join(dir, 'linked-run'));
    expect(() => storeDirs({}, { XDG_RUNTIME_DIR: join(dir, 'x') })).not.toThrow();
    expect(() => checkRuntimeDir(join(dir, 'linked-run'))).toThrow('not a private folder of yours');
  });
});

describe('recordStaysInside', () => {
  it('releases only records whose folders lie inside the store', () => {
    expect(isInsideDir('/run/r', '/run/r/abc')).toBe(true);
    expect(isInsideDir('/run/r', '/run/r')).toBe(false);
    expect(isInsideDir('/run/r', '/run/r/../home/me')).toBe(false);
    expect(isInsideDir('/run/r', '/run/rx')).toBe(false);
    expect(recordStaysInside('/run/r', { kind: 'network', stateDir: '/run/r/abc' })).toBe(true);
    expect(recordStaysInside('/run/r', { kind: 'network', stateDir: '/home/me/thesis' })).toBe(false);
    expect(recordStaysInside('/run/r', { kind: 'files', dir: '/run/r/files/../../../home/me' })).toBe(false);
    expect(recordStaysInside('/run/r', { kind: 'cgroup', name: 'x' })).toBe(true);
  });
});
