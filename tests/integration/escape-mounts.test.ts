/**
 * Mounts the runtime makes must not be steered by what the rootfs or the
 * bundle's own mounts put in their way:
 * - CVE-2025-31133: the masked paths get the runtime's own null device (or an
 *   empty read-only tmpfs), never a /dev/null that may be a planted symlink;
 * - CVE-2025-52881: writes into procfs (sysctls) go to a file verified to be
 *   on procfs, not to whatever a mount over /proc/sys/... put there;
 * (CVE-2025-52565, /dev/console through a symlinked /dev/pts/N, has no
 * counterpart: the helper makes no /dev/console; the terminal is opened
 * through the container's own /dev/ptmx.)
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, type EscapeBundleConfig, useEscapeWorkspace, writeEscapeBundle } from './escape-harness.js';
import { collect, ryouiki, treeDigest, type Outcome } from './harness.js';
import { containersIn } from './oci-harness.js';

const space = useEscapeWorkspace('escape-mounts');

let runtimeRoot: string;
let count = 0;

beforeAll(() => {
  // The attacker's image: a dev/ whose null is a symlink into /proc.
  mkdirSync(join(space.rootfs, 'fakedev'));
  symlinkSync('/proc/sys/kernel/hostname', join(space.rootfs, 'fakedev', 'null'));
  runtimeRoot = join(space.work, 'runtime-root');
}, 120000);
afterEach(() => {
  expect(containersIn(runtimeRoot)).toEqual([]);
});

function runBundle(args: string[], edit: (config: EscapeBundleConfig) => void): Promise<Outcome> {
  const bundle = writeEscapeBundle(join(space.work, `bundle-${count}`), space.rootfs, args, edit);
  return collect(spawn(ENTRY_POINTS.runtime, ['--root', runtimeRoot, 'run', '--bundle', bundle, `mounts-${count++}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

const FAKE_DEV = (config: EscapeBundleConfig): void => {
  config.mounts.push({ destination: '/dev', type: 'bind', source: join(space.rootfs, 'fakedev'), options: ['rbind'] });
  config.linux.maskedPaths = ['/proc/keys', '/proc/timer_list'];
};

describe('masked paths over a planted /dev/null symlink', () => {
  it("baseline: the bundle's mount puts the planted symlink at /dev/null in the container", async () => {
    const out = await runBundle(['/bin/sh', '-c', 'readlink /dev/null; cat /dev/null'], FAKE_DEV);
    expect(out.stdout).toBe('/proc/sys/kernel/hostname\nocitest\n');
  });

  it('ryouiki-runtime masks with the null device all the same', async () => {
    const out = await runBundle(['/bin/sh', '-c', 'for f in /proc/keys /proc/timer_list; do stat -c "%n %F %t:%T" $f; echo "[$(cat $f)]"; done'], FAKE_DEV);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('/proc/keys character special file 1:3\n[]\n/proc/timer_list character special file 1:3\n[]\n');
  });

  it("ryouiki tenkai masks with the null device, whatever the rootfs's /dev/null is", async () => {
    const planted = join(space.work, 'planted-rootfs');
    cpSync(space.rootfs, planted, { recursive: true, verbatimSymlinks: true });
    symlinkSync('/proc/sys/kernel/hostname', join(planted, 'dev', 'null'));
    const before = treeDigest(planted);
    const out = await ryouiki(['tenkai', '--path', planted, '--root', join(space.work, 'store'), '--command', 'stat -c "%F %t:%T" /proc/keys; cat /proc/keys']);
    expect({ stdout: out.stdout, stderr: out.stderr }).toEqual({ stdout: 'character special file 1:3\n', stderr: '' });
    expect(treeDigest(planted)).toBe(before);
  });
});

describe('procfs writes redirected by a mount', () => {
  let decoy: string;
  beforeAll(() => {
    decoy = join(space.work, 'host-decoy');
    writeFileSync(decoy, 'untouched\n');
  });
  const OVER_SHMMNI = (config: EscapeBundleConfig): void => {
    config.mounts.push({ destination: '/proc/sys/kernel/shmmni', type: 'bind', source: decoy, options: ['bind'] });
  };

  it("baseline: a bundle's mount over /proc/sys/kernel/shmmni puts a host file there", async () => {
    const out = await runBundle(['/bin/cat', '/proc/sys/kernel/shmmni'], OVER_SHMMNI);
    expect(out.stdout).toBe('untouched\n');
  });

  it('the sysctl is refused, and the host file is left as it was', async () => {
    const out = await runBundle(['/bin/true'], (config) => {
      OVER_SHMMNI(config);
      config.linux.sysctl = { 'kernel.shmmni': '4242' };
    });
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/sysctl kernel\.shmmni: it is not a file of procfs \(a mount covers it\)/);
    expect(readFileSync(decoy, 'utf8')).toBe('untouched\n');
  });

  it('a sysctl without such a mount is written', async () => {
    const out = await runBundle(['/bin/cat', '/proc/sys/kernel/shmmni'], (config) => {
      config.linux.sysctl = { 'kernel.shmmni': '4242' };
    });
    expect(out).toMatchObject({ exitCode: 0, stdout: '4242\n' });
  });
});
