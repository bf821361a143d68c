/**
 * io_uring bypasses the syscall filter (its operations are not syscalls) and
 * has been a steady source of kernel exploits: the default filter refuses it,
 * as podman's and Docker's do, for every entry point that applies Ryouiki's
 * default filter (an OCI bundle brings its own, or none).
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { ryouiki } from './harness.js';
import { useEscapeWorkspace } from './escape-harness.js';

const space = useEscapeWorkspace('escape-seccomp');

describe('io_uring', () => {
  it('baseline: works on the host and in a container without a filter', async () => {
    expect(execFileSync(join(space.rootfs, 'bin', 'escape-probe'), ['io_uring'], { encoding: 'utf8' })).toBe('io_uring: OK\n');
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--seccomp', 'unconfined', '--', '/bin/escape-probe', 'io_uring']);
    expect(out.stdout).toBe('io_uring: OK\n');
  });

  it('is refused by the default filter in tenkai, with any capability added, and in start and exec', async () => {
    for (const flags of [[], ['--cap-add', 'SYS_ADMIN'], ['--cap-add', 'ALL']]) {
      const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, ...flags, '--', '/bin/escape-probe', 'io_uring']);
      expect({ flags, stdout: out.stdout }).toEqual({ flags, stdout: 'io_uring: EPERM\n' });
    }
    const started = await ryouiki(['start', '--path', space.rootfs, '--root', space.store, '--command', '/bin/escape-probe io_uring; sleep 60']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    try {
      expect((await ryouiki(['exec', '--root', space.store, id, '/bin/escape-probe', 'io_uring'])).stdout).toBe('io_uring: EPERM\n');
      expect((await ryouiki(['logs', '--root', space.store, id])).stdout).toBe('io_uring: EPERM\n');
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  });

  it('ryouiki-init itself (PID 1) is under the same filter', async () => {
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--command', 'grep -E "^Seccomp(_filters)?:" /proc/1/status /proc/self/status']);
    expect(out.stdout).toBe('/proc/1/status:Seccomp:\t2\n/proc/1/status:Seccomp_filters:\t1\n/proc/self/status:Seccomp:\t2\n/proc/self/status:Seccomp_filters:\t1\n');
  });
});
