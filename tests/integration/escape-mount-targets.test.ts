/**
 * CVE-2021-30465 class: a mount target that is a symlink in the rootfs (or
 * has one among its folders), pointing out of it with an absolute path, `..`
 * or a relative climb, must be resolved inside the container's root, never on
 * the host: the runtime's own /proc, /dev and /sys, /etc/hosts, a `-v`
 * destination and a bundle's mount destination.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, useEscapeWorkspace, writeEscapeBundle } from './escape-harness.js';
import { collect, ryouiki, treeDigest, type Outcome } from './harness.js';
import { containersIn } from './oci-harness.js';

const space = useEscapeWorkspace('escape-mount-targets');

let hostDir: string;
let volume: string;
let count = 0;

beforeAll(() => {
  hostDir = join(space.work, 'host-folder');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'secret'), 'HOST-SECRET\n');
  volume = join(space.work, 'volume');
  mkdirSync(volume);
  writeFileSync(join(volume, 'marker'), 'VOLUME\n');
}, 120000);

/** A copy of the rootfs with symlinks planted by plant (given the copy's path). */
function hostileRootfs(plant: (rootfs: string) => void): string {
  const rootfs = join(space.work, `rootfs-${count++}`);
  cpSync(space.rootfs, rootfs, { recursive: true, verbatimSymlinks: true });
  plant(rootfs);
  return rootfs;
}

/** Every way out to hostDir: absolute, absolute through .., relative climbing. */
function waysOut(from: string): string[] {
  return [hostDir, `/../../../../../../..${hostDir}`, `${'../'.repeat(from.split('/').length + 12)}${hostDir.slice(1)}`];
}

function expectHostUntouched(out: Outcome, before: string): void {
  expect(out.stdout).not.toContain('HOST-SECRET');
  expect(treeDigest(hostDir)).toBe(before);
  expect(existsSync(join(hostDir, 'marker'))).toBe(false);
}

describe('mount targets through symlinks in the rootfs', () => {
  it('baseline: a mount made on the host side of such a symlink lands on the host folder', async () => {
    const rootfs = hostileRootfs((dir) => symlinkSync(hostDir, join(dir, 'data-link')));
    const out = await collect(spawn('unshare', ['-Urm', 'sh', '-c', `mount --bind ${volume} ${rootfs}/data-link && cat ${hostDir}/marker`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(out.stdout).toBe('VOLUME\n');
  });

  it("the runtime's own /sys is never mounted where a symlink sys/ leads (here: over the rootfs's /srv, by its host path)", async () => {
    for (const link of ['srv', 'HOST']) {
      const rootfs = hostileRootfs((dir) => {
        rmSync(join(dir, 'sys'), { recursive: true, force: true });
        symlinkSync(link === 'srv' ? join(dir, 'srv') : hostDir, join(dir, 'sys'));
      });
      const before = treeDigest(hostDir);
      const out = await ryouiki(['tenkai', '--path', rootfs, '--root', space.store, '--command', 'ls /srv; grep -c " /srv " /proc/self/mounts; ls /sys/ 2>&1 | head -1']);
      expect({ link, exitCode: out.exitCode, stderr: out.stderr }).toEqual({ link, exitCode: 0, stderr: '' });
      expect(out.stdout.split('\n')[0]).toBe('0');
      expectHostUntouched(out, before);
    }
  });

  it('a symlinked proc/ or dev/ is refused, never followed', async () => {
    for (const name of ['proc', 'dev']) {
      const rootfs = hostileRootfs((dir) => {
        rmSync(join(dir, name), { recursive: true, force: true });
        symlinkSync(hostDir, join(dir, name));
      });
      const before = treeDigest(hostDir);
      const out = await ryouiki(['tenkai', '--path', rootfs, '--root', space.store, '--command', 'true']);
      expect({ name, exitCode: out.exitCode }).toEqual({ name, exitCode: 125 });
      expect(out.stderr).toMatch(new RegExp(`/${name}`));
      expectHostUntouched(out, before);
    }
  });

  for (const overlay of [false, true]) {
    it(`-v SRC:DST${overlay ? ' --overlay' : ''}: DST or a folder of it through a symlink out of the rootfs stays inside it`, async () => {
      for (const [index, target] of waysOut('/data-link').entries()) {
        const rootfs = hostileRootfs((dir) => {
          symlinkSync(target, join(dir, 'data-link'));
          symlinkSync(target, join(dir, 'srv', 'climb'));
        });
        for (const destination of ['/data-link', '/data-link/sub', '/srv/climb']) {
          const before = treeDigest(hostDir);
          const out = await ryouiki([
            'tenkai',
            '--path',
            rootfs,
            '--root',
            space.store,
            ...(overlay ? ['--overlay'] : []),
            '-v',
            `${volume}:${destination}`,
            '--command',
            `cat ${destination}/marker ${destination}/secret; true`,
          ]);
          expect({ index, destination, code: [0, 125].includes(out.exitCode ?? -1) }).toEqual({ index, destination, code: true });
          if (out.exitCode === 125) expect(out.stderr).toMatch(/volume: /);
          expectHostUntouched(out, before);
        }
      }
    }, 120000);
  }

  it('/etc/hosts and /etc/resolv.conf through a symlink out of the rootfs stay inside it', async () => {
    const rootfs = hostileRootfs((dir) => {
      rmSync(join(dir, 'etc', 'hosts'));
      rmSync(join(dir, 'etc', 'resolv.conf'));
      symlinkSync(join(hostDir, 'secret'), join(dir, 'etc', 'hosts'));
      symlinkSync(`/../../../..${hostDir}/secret`, join(dir, 'etc', 'resolv.conf'));
    });
    const before = treeDigest(hostDir);
    const out = await ryouiki(['tenkai', '--path', rootfs, '--root', space.store, '--command', 'cat /etc/hosts /etc/resolv.conf; true']);
    expectHostUntouched(out, before);
  });

  it("a bundle's mount destination through a symlink out of the rootfs stays inside it (ryouiki-runtime run, tenkai --bundle)", async () => {
    const runtimeRoot = join(space.work, 'runtime-root');
    for (const [index, target] of waysOut('/data-link').entries()) {
      const rootfs = hostileRootfs((dir) => symlinkSync(target, join(dir, 'data-link')));
      const bundle = writeEscapeBundle(join(space.work, `bundle-${index}`), rootfs, ['/bin/sh', '-c', 'cat /data-link/marker /data-link/secret; true'], (config) => {
        config.mounts.push({ destination: '/data-link', type: 'bind', source: volume, options: ['rbind'] });
      });
      const before = treeDigest(hostDir);
      const out = await collect(spawn(ENTRY_POINTS.runtime, ['--root', runtimeRoot, 'run', '--bundle', bundle, `targets-${index}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
      expectHostUntouched(out, before);
      expect(containersIn(runtimeRoot)).toEqual([]);
      expectHostUntouched(await ryouiki(['tenkai', '--root', space.store, '--bundle', bundle]), before);
    }
  }, 120000);
});
