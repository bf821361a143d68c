import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
import { inStore, useStores, waitForStatus, waitForText } from './detached-harness.js';
import { REPO_ROOT, ryouiki } from './harness.js';

const { work, newStore } = useStores('detached-oci');
const rootfs = join(work, 'rootfs');

beforeAll(() => {
  execFileSync(join(REPO_ROOT, 'scripts', 'make-busybox-rootfs.sh'), [rootfs]);
});

function makeBundle(name: string, change: (config: OciConfig) => void): string {
  const dir = join(work, name);
  mkdirSync(dir);
  symlinkSync(rootfs, join(dir, 'rootfs'));
  const config = defaultOciConfig();
  if (config.process !== undefined) config.process.terminal = false;
  change(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

it('starts a bundle detached: poststart before start returns, poststop once it has ended', async () => {
  const store = newStore();
  const dir = makeBundle('hooks', (config) => {
    if (config.process !== undefined) config.process.args = ['/bin/sh', '-c', 'echo from the bundle; sleep 1'];
    config.hooks = {
      poststart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${work}/poststart.json`] }],
      poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${work}/poststop.json`] }],
    };
  });
  const started = await ryouiki(['start', '--bundle', dir, '--root', store]);
  expect(started.stderr).toBe('');
  const id = started.stdout.trim();
  expect(JSON.parse(readFileSync(join(work, 'poststart.json'), 'utf8'))).toMatchObject({ id, status: 'running', bundle: dir });
  expect(existsSync(join(work, 'poststop.json'))).toBe(false);
  await waitForStatus(store, id, 'stopped');
  await waitForText(() => (existsSync(join(work, 'poststop.json')) ? readFileSync(join(work, 'poststop.json'), 'utf8') : ''), '"stopped"', 'the poststop hook');
  expect(JSON.parse(readFileSync(join(work, 'poststop.json'), 'utf8'))).toMatchObject({ id, status: 'stopped' });
  expect((await inStore(store, 'logs', [id])).stdout).toBe('from the bundle\n');
});

it('refuses a bundle that asks for a terminal', async () => {
  const dir = makeBundle('terminal', (config) => {
    if (config.process !== undefined) config.process.terminal = true;
  });
  const result = await ryouiki(['start', '--bundle', dir, '--root', newStore()]);
  expect(result.exitCode).toBe(125);
  expect(result.stderr).toMatch(/the bundle asks for a terminal \(process\.terminal in config\.json\), which ryouiki start cannot give yet/);
});
