/**
 * When the kernel refuses overlayfs in a user namespace, --overlay falls back
 * to fuse-overlayfs, whose server runs in the container's namespaces with the
 * host's root and fds on the host's folders. A command with CAP_SYS_PTRACE
 * could read and write the host through its /proc/PID/root and fds: the
 * helper refuses that pairing. RYOUIKI_OVERLAY_DRIVER=fuse-overlayfs forces
 * the fallback on a kernel that has overlayfs in user namespaces.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, useEscapeWorkspace } from './escape-harness.js';
import { collect, ryouiki, type Outcome } from './harness.js';

const space = useEscapeWorkspace('escape-fuse-overlay');

const FIND_SERVER = 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = fuse-overlayfs ] && echo "server ${p#/proc/}"; done';

function withFuse(args: string[]): Promise<Outcome> {
  return collect(spawn(ENTRY_POINTS.ryouiki, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RYOUIKI_OVERLAY_DRIVER: 'fuse-overlayfs' } }));
}

describe("fuse-overlayfs's server and CAP_SYS_PTRACE", () => {
  it('baseline: the server is a process of the container, and CAP_SYS_PTRACE opens the /proc/PID/root of such a process', async () => {
    const fuse = await withFuse(['tenkai', '--path', space.rootfs, '--root', space.store, '--overlay', '--command', FIND_SERVER]);
    expect(fuse.stdout).toMatch(/^server \d+$/m);
    const traced = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--cap-add', 'SYS_PTRACE', '--command', 'sleep 5 & ls /proc/$!/root/bin/escape-probe; kill $!']);
    expect(traced.stdout).toMatch(/^\/proc\/\d+\/root\/bin\/escape-probe\n$/);
    const untraced = await withFuse(['tenkai', '--path', space.rootfs, '--root', space.store, '--overlay', '--command', `${FIND_SERVER} | while read -r _ pid; do ls /proc/$pid/root/ 2>&1; done`]);
    expect(untraced.stdout).toMatch(/Permission denied/);
  });

  const refusals: Array<[string, string[]]> = [
    ['tenkai --cap-add SYS_PTRACE', ['tenkai', '--cap-add', 'SYS_PTRACE']],
    ['tenkai --privileged', ['tenkai', '--privileged']],
    ['start --cap-add SYS_PTRACE', ['start', '--cap-add', 'SYS_PTRACE']],
  ];
  for (const [what, args] of refusals) {
    it(`${what} --overlay is refused when the overlay is fuse-overlayfs`, async () => {
      const out = await withFuse([...args, '--path', space.rootfs, '--root', space.store, '--overlay', '--command', `${FIND_SERVER}; ls /proc/*/root/ /proc/*/fd/*/ 2>/dev/null`]);
      expect(out.exitCode).toBe(125);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/overlay: fuse-overlayfs would serve it from inside the container, where a command with CAP_SYS_PTRACE reaches the host .*: drop SYS_PTRACE/);
    });
  }

  it("the kernel's overlayfs with CAP_SYS_PTRACE runs: it has no server", async () => {
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--overlay', '--cap-add', 'SYS_PTRACE', '--command', `${FIND_SERVER}; true`]);
    expect(out).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
  });
});
