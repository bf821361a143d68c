/**
 * PID 1 (ryouiki-init's init) must hold nothing of the host's once the
 * container is set up, and run under the command's own confinement: a command
 * that may trace (--cap-add SYS_PTRACE) could otherwise read the host through
 * /proc/1/fd or make PID 1 run what its own filter refuses. Without
 * SYS_PTRACE, PID 1 is not dumpable: nothing in the container traces it or
 * reads its /proc/1/{environ,mem,fd,cwd}, while its user on the host still may.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, hostSecretDir, useEscapeWorkspace, withHeldFds, writeEscapeBundle } from './escape-harness.js';
import { collect, ryouiki } from './harness.js';
import { runtime, stateOf } from './oci-harness.js';

const space = useEscapeWorkspace('escape-pid1');

let secretDir: string;

// What PID 1 and the command are, side by side, and where PID 1's fds lead.
const SURVEY = [
  'for p in 1 self; do grep -E "^(CapBnd|CapEff|CapPrm|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/$p/status | sed "s/^/$p /"; done',
  'for f in /proc/1/fd/* /proc/1/cwd /proc/1/root; do echo "link $(readlink $f)"; done',
  'cat /proc/1/fd/*/secret /proc/1/cwd/../../../secret 2>/dev/null',
  '/bin/escape-probe ptrace 1',
].join('; ');

beforeAll(() => {
  secretDir = hostSecretDir(space.work);
}, 120000);

function field(out: string, who: string, name: string): string | undefined {
  return new RegExp(`^${who} ${name}:\\s+(\\S+)`, 'm').exec(out)?.[1];
}

/** PID 1 has what the command has, no more, and none of its fds leads out of the container. */
function expectConfined(out: string): void {
  expect(out).not.toContain('HOST-SECRET');
  for (const name of ['CapBnd', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters']) {
    expect({ name, pid1: field(out, '1', name) }).toEqual({ name, pid1: field(out, 'self', name) });
  }
  const commandCaps = BigInt(`0x${field(out, 'self', 'CapBnd') ?? '0'}`);
  expect(BigInt(`0x${field(out, '1', 'CapEff') ?? 'ffffffffffffffff'}`) & ~commandCaps).toBe(0n);
  const links = [...out.matchAll(/^link (.*)$/gm)].map((match) => match[1] ?? '');
  expect(links.length).toBeGreaterThan(2);
  for (const link of links) expect(link).toMatch(/^(\/|\/dev\/null|pipe:\[\d+\]|socket:\[\d+\]|anon_inode:\[[a-z]+\])$/);
}

/**
 * What a process of the container (default capabilities, the same uid as PID 1)
 * reaches of PID 1 and, the baseline, of a dumpable process beside it that runs
 * with the same uid and capabilities: one "PID-KIND: OK|refused" line each.
 */
const REACH = [
  'sleep 30 & s=$!',
  'for p in $s 1; do k=$([ $p = 1 ] && echo pid1 || echo sibling)',
  '(cat /proc/$p/environ >/dev/null) 2>/dev/null && echo "$k environ: OK" || echo "$k environ: refused"',
  '(exec 3</proc/$p/mem) 2>/dev/null && echo "$k mem: OK" || echo "$k mem: refused"',
  'readlink /proc/$p/fd/0 >/dev/null 2>&1 && echo "$k fd: OK" || echo "$k fd: refused"',
  'readlink /proc/$p/cwd >/dev/null 2>&1 && echo "$k cwd: OK" || echo "$k cwd: refused"',
  '/bin/escape-probe ptrace $p | sed "s/^/$k /"',
  'done',
  'kill $s',
].join('; ');

const REACHED = ['environ', 'mem', 'fd', 'cwd', 'ptrace'];

/** The sibling is reached on every count (the attack works), PID 1 on none. */
function expectPid1Unreachable(out: string): void {
  for (const what of REACHED) {
    expect({ what, sibling: new RegExp(`^sibling ${what}: (\\S+)$`, 'm').exec(out)?.[1] }).toEqual({ what, sibling: 'OK' });
    expect({ what, pid1: new RegExp(`^pid1 ${what}: (\\S+)$`, 'm').exec(out)?.[1] }).toEqual({ what, pid1: what === 'ptrace' ? 'EPERM' : 'refused' });
  }
}

describe('PID 1 is not dumpable', () => {
  for (const overlay of [false, true]) {
    it(`tenkai${overlay ? ' --overlay' : ''}: the command cannot trace or read PID 1, only a dumpable process beside it`, async () => {
      const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, ...(overlay ? ['--overlay'] : []), '--command', REACH]);
      expect(out.stderr).toBe('');
      expectPid1Unreachable(out.stdout);
    });
  }

  it('start, from exec: the same', async () => {
    const started = await ryouiki(['start', '--path', space.rootfs, '--root', space.store, '--command', 'sleep 60']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    try {
      expectPid1Unreachable((await ryouiki(['exec', '--root', space.store, id, '--', 'sh', '-c', REACH])).stdout);
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  });

  it('tenkai --bundle: the same', async () => {
    const bundle = writeEscapeBundle(join(space.work, 'bundle-reach'), space.rootfs, ['/bin/sh', '-c', REACH]);
    expectPid1Unreachable((await ryouiki(['tenkai', '--root', space.store, '--bundle', bundle])).stdout);
  });

  it('ryouiki-runtime create, start and exec: the same, while its user on the host still reads and enters it', async () => {
    const root = join(space.work, 'runtime-root-reach');
    const bundle = writeEscapeBundle(join(space.work, 'bundle-created'), space.rootfs, ['/bin/sleep', '60']);
    expect((await runtime(space.work, root, ['create', '--bundle', bundle, 'reach'], 'create')).exitCode).toBe(0);
    try {
      expect((await runtime(space.work, root, ['start', 'reach'], 'start')).exitCode).toBe(0);
      const out = await collect(spawn(ENTRY_POINTS.runtime, ['--root', root, 'exec', 'reach', 'sh', '-c', REACH], { stdio: ['ignore', 'pipe', 'pipe'] }));
      expectPid1Unreachable(out.stdout);
      // The owner of the container's user namespace has CAP_SYS_PTRACE in it, where PID 1's memory was made.
      const { pid } = await stateOf(space.work, root, 'reach');
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain('PATH=');
      expect(readlinkSync(`/proc/${pid}/ns/user`)).toMatch(/^user:\[\d+\]$/);
    } finally {
      await runtime(space.work, root, ['delete', '--force', 'reach'], 'delete');
    }
  });
});

describe('PID 1', () => {
  it('baseline: with SYS_PTRACE the command can trace a process of its container', async () => {
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--cap-add', 'SYS_PTRACE', '--command', 'sleep 5 & /bin/escape-probe ptrace $!; kill $!']);
    expect(out.stdout).toContain('ptrace: OK');
  });

  for (const overlay of [false, true]) {
    it(`tenkai${overlay ? ' --overlay' : ''}: holds no host fd and runs under the command's bounding set, no_new_privs and filter`, async () => {
      const out = await withHeldFds(
        ENTRY_POINTS.ryouiki,
        ['tenkai', '--path', space.rootfs, '--root', space.store, ...(overlay ? ['--overlay'] : []), '--cap-add', 'SYS_PTRACE', '--command', SURVEY],
        secretDir,
      );
      expect(out.stderr).toBe('');
      expectConfined(out.stdout);
      expect(field(out.stdout, '1', 'Seccomp')).toBe('2');
      expect(field(out.stdout, '1', 'NoNewPrivs')).toBe('1');
    });
  }

  it('start, seen by exec: the same', async () => {
    const started = await withHeldFds(ENTRY_POINTS.ryouiki, ['start', '--path', space.rootfs, '--root', space.store, '--overlay', '--cap-add', 'SYS_PTRACE', '--command', 'sleep 60'], secretDir);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    try {
      const out = await ryouiki(['exec', '--root', space.store, id, '--', 'sh', '-c', SURVEY]);
      expectConfined(out.stdout);
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  });

  it('ryouiki-runtime run of a bundle: the same', async () => {
    const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_PTRACE', 'CAP_SETUID', 'CAP_SETGID'];
    const bundle = writeEscapeBundle(join(space.work, 'bundle'), space.rootfs, ['/bin/sh', '-c', SURVEY], (config) => {
      config.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
      config.process.noNewPrivileges = true;
    });
    const out = await collect(spawn(ENTRY_POINTS.runtime, ['--root', join(space.work, 'runtime-root'), 'run', '--bundle', bundle, 'pid1'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expectConfined(out.stdout);
    expect(field(out.stdout, '1', 'NoNewPrivs')).toBe('1');
  });
});
