import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { SpecProblem } from '../errors.js';
import { resolveUser } from './user.js';

const rootfs = mkdtempSync(join(tmpdir(), 'ryouiki-user-'));
afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

describe('resolveUser', () => {
  it("reads the rootfs's /etc/passwd through its own symlinks, never the host's file", () => {
    mkdirSync(join(rootfs, 'etc', 'real'), { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'real', 'passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
    symlinkSync('/etc/real/passwd', join(rootfs, 'etc', 'passwd'));
    // An absolute link to the host's group file: inside the rootfs it names nothing.
    symlinkSync('/etc/group', join(rootfs, 'etc', 'group'));
    const problems: SpecProblem[] = [];
    expect(resolveUser(rootfs, 'app', problems)).toEqual({ uid: 1000, gid: 1000 });
    expect(problems).toEqual([]);
    expect(resolveUser(rootfs, 'root', problems)).toBeUndefined();
    expect(problems.map((problem) => problem.code)).toEqual(['USER_UNKNOWN']);
  });
});
