import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ensureRuntimeDir, runtimeDir } from './runtime-dir.js';

const base = mkdtempSync(join(tmpdir(), 'ryouiki-runtime-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('runtime folder', () => {
  it('is <root>/run with a root, else $XDG_RUNTIME_DIR/ryouiki, else a folder of this user under the temporary folder', () => {
    expect(runtimeDir({ root: '/srv/store' }, {})).toBe('/srv/store/run');
    expect(runtimeDir({}, { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/ryouiki');
    expect(runtimeDir({}, {})).toBe(join(tmpdir(), `ryouiki-${process.getuid?.()}`));
  });

  it('is created 0700', () => {
    const dir = ensureRuntimeDir({ root: join(base, 'store') }, {});
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink in its place', () => {
    const root = join(base, 'root-with-link');
    ensureRuntimeDir({ root }, {});
    rmSync(join(root, 'run'), { recursive: true });
    symlinkSync(base, join(root, 'run'));
    expect(() => ensureRuntimeDir({ root }, {})).toThrow(`the runtime folder ${join(root, 'run')} is not a folder of yours: remove it, or set XDG_RUNTIME_DIR`);
  });
});
