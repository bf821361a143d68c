/**
 * When the kernel refuses overlayfs in a user namespace, --overlay falls back
 * to fuse-overlayfs, whose server has the host's root and fds on the host's
 * folders: a command with CAP_SYS_PTRACE that could see it would read and
 * write the host through its /proc/PID/root. The helper runs it in the
 * container's user and mount namespaces but in the host's PID namespace, so
 * no process of the container sees it. RYOUIKI_OVERLAY_DRIVER=fuse-overlayfs
 * forces the fallback on a kernel that has overlayfs in user namespaces.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, hostSecretDir, useEscapeWorkspace } from './escape-harness.js';
import { collect, liveProcesses, ryouiki, waitFor, type Outcome } from './harness.js';
import { waitForAsync } from './oci-harness.js';

const space = useEscapeWorkspace('escape-fuse-overlay');

let secret: string;

beforeAll(() => {
  secret = join(hostSecretDir(space.work), 'secret');
}, 120000);

const FIND_SERVER = 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = fuse-overlayfs ] && echo "server ${p#/proc/}"; done';

/** Every process the command sees, tried as the server would be: the host's file through its root and fds. */
function throughEveryProcess(): string {
  return `${FIND_SERVER}; for p in /proc/[0-9]*; do cat $p/root${secret} $p/fd/*${secret} 2>/dev/null; done; echo tried`;
}

function withFuse(args: string[]): Promise<Outcome> {
  return collect(spawn(ENTRY_POINTS.ryouiki, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RYOUIKI_OVERLAY_DRIVER: 'fuse-overlayfs' } }));
}

/** The fuse-overlayfs servers of this test's store, as the host sees them. */
function servers(): number[] {
  return liveProcesses()
    .filter((p) => p.comm === 'fuse-overlayfs' && p.cmdline.includes(space.store))
    .map((p) => p.pid);
}

describe("fuse-overlayfs's server is out of the container's sight", () => {
  it('baseline: with CAP_SYS_PTRACE a command opens the /proc/PID/root of a process it sees; the server of a started container has the host as its root, and its command with CAP_SYS_PTRACE reaches it not', async () => {
    const traced = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--cap-add', 'SYS_PTRACE', '--command', 'sleep 5 & ls /proc/$!/root/bin/escape-probe; kill $!']);
    expect(traced.stdout).toMatch(/^\/proc\/\d+\/root\/bin\/escape-probe\n$/);
    const started = await withFuse(['start', '--path', space.rootfs, '--root', space.store, '--overlay', '--cap-add', 'SYS_PTRACE', '--command', `${throughEveryProcess()}; sleep 60`]);
    expect(started).toMatchObject({ exitCode: 0, stderr: '' });
    const id = started.stdout.trim();
    try {
      const [server] = await waitFor(() => (servers().length > 0 ? servers() : undefined), 'the fuse-overlayfs server');
      // What the attack would get, were the server a process of the container.
      expect(readlinkSync(`/proc/${server}/root`)).toBe('/');
      expect(readFileSync(`/proc/${server}/root${secret}`, 'utf8')).toBe('HOST-SECRET\n');
      expect(readlinkSync(`/proc/${server}/ns/pid`)).toBe(readlinkSync('/proc/self/ns/pid'));
      const logs = await waitForAsync(async () => {
        const logged = await ryouiki(['logs', '--root', space.store, id]);
        return logged.stdout.includes('tried') ? logged.stdout : undefined;
      }, 'the attack in the container');
      expect(logs).toBe('tried\n');
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
    expect(servers()).toEqual([]);
  });

  for (const [what, flag] of [
    ['--cap-add SYS_PTRACE', ['--cap-add', 'SYS_PTRACE']],
    ['--privileged', ['--privileged']],
  ] as const) {
    it(`tenkai ${what} --overlay on fuse-overlayfs runs, and the command reaches no server`, async () => {
      const out = await withFuse(['tenkai', ...flag, '--path', space.rootfs, '--root', space.store, '--overlay', '--command', `touch /written && ${throughEveryProcess()}`]);
      expect(out).toMatchObject({ exitCode: 0, stdout: 'tried\n', stderr: '' });
      expect(servers()).toEqual([]);
    });
  }

  it('exec enters a container of CAP_SYS_PTRACE on fuse-overlayfs, sees its writes, and reaches no server', async () => {
    const started = await withFuse(['start', '--path', space.rootfs, '--root', space.store, '--overlay', '--cap-add', 'SYS_PTRACE', '--command', 'echo kept > /written; sleep 60']);
    expect(started).toMatchObject({ exitCode: 0, stderr: '' });
    const id = started.stdout.trim();
    try {
      await waitFor(() => (servers().length > 0 ? true : undefined), 'the fuse-overlayfs server');
      const entered = await waitForAsync(async () => {
        const out = await withFuse(['exec', '--root', space.store, id, 'sh', '-c', `cat /written && ${throughEveryProcess()}`]);
        return out.stdout.startsWith('kept\n') ? out : undefined;
      }, 'the container to have written /written');
      expect(entered).toMatchObject({ exitCode: 0, stdout: 'kept\ntried\n', stderr: '' });
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
    expect(servers()).toEqual([]);
  });

  it("the kernel's overlayfs with CAP_SYS_PTRACE runs: it has no server", async () => {
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--overlay', '--cap-add', 'SYS_PTRACE', '--command', `${FIND_SERVER}; true`]);
    expect(out).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
  });
});
