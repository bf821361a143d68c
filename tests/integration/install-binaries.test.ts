import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from '@jest/globals';
import { makeTempDir, removeDir, REPO_ROOT } from './harness.js';

const INSTALL = join(REPO_ROOT, 'scripts', 'install-binaries.sh');
let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) removeDir(dir);
  dir = undefined;
});

// make copies the helper into @ryouiki/core while a detached container may still run it.
it('installs a binary over one that is running, which a plain copy cannot', async () => {
  dir = makeTempDir('install');
  const source = join(dir, 'source');
  const dest = join(dir, 'dest');
  mkdirSync(source);
  expect(spawnSync(INSTALL, [dest, '/bin/sleep']).status).toBe(0);
  const running = spawn(join(dest, 'sleep'), ['30'], { stdio: 'ignore' });
  const ended = new Promise((resolveEnd) => running.once('exit', resolveEnd));
  try {
    await new Promise((resolveSpawn) => running.once('spawn', resolveSpawn));
    copyFileSync('/bin/true', join(source, 'sleep'));
    const baseline = spawnSync('cp', [join(source, 'sleep'), join(dest, 'sleep')], { encoding: 'utf8' });
    expect(baseline.stderr).toMatch(/Text file busy/);

    const install = spawnSync(INSTALL, [dest, join(source, 'sleep')], { encoding: 'utf8' });
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    expect(readFileSync(join(dest, 'sleep'))).toEqual(readFileSync('/bin/true'));
    expect(running.exitCode).toBeNull();
  } finally {
    running.kill('SIGKILL');
    await ended;
  }
});
