import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { currentBootId } from './proc-identity.js';
import { withLock } from './state-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'state-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('holds the lock file while the function runs, and removes it after, also on failure', async () => {
    await withLock(dir, () => expect(existsSync(join(dir, 'lock'))).toBe(true));
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    await expect(withLock(dir, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('breaks a lock left by a process that no longer exists', async () => {
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.pid, startTime: '1', bootId: currentBootId() }));
    expect(await withLock(dir, () => 'taken')).toBe('taken');
  });

  it('breaks an empty lock left by a process killed between creating and writing it, once it is old', async () => {
    const path = join(dir, 'lock');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 5000);
    utimesSync(path, old, old);
    expect(await withLock(dir, () => 'taken')).toBe('taken');
  });
});
