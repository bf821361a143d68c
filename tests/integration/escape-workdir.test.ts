/**
 * CVE-2024-21626: a working directory reached through an fd that the runtime
 * (or its caller) left open lies outside the container's root, and `..` from
 * there walks the host. Every entry point must refuse it, for any fd from 3 to 30.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, HELD_FDS, hostSecretDir, useEscapeWorkspace, withHeldFds, writeEscapeBundle } from './escape-harness.js';
import { ryouiki, type Outcome } from './harness.js';
import { containersIn, runtime } from './oci-harness.js';

const space = useEscapeWorkspace('escape-workdir');

let secretDir: string;
const READ_SECRET = 'cat ../../../../../../secret ../secret secret 2>/dev/null; pwd';

beforeAll(() => {
  secretDir = hostSecretDir(space.work);
}, 120000);

function expectRefused(out: Outcome, fd: number): void {
  expect({ fd, leaked: out.stdout.includes('HOST-SECRET') }).toEqual({ fd, leaked: false });
  expect({ fd, exitCode: out.exitCode }).toEqual({ fd, exitCode: 125 });
  expect(out.stderr).toMatch(/cwd: \/proc\/self\/fd\/\d+: /);
}

/**
 * ryouiki-runtime ARGS with fds 3 to 30 held on dir. Its stdout and stderr go to files:
 * a created container keeps them open until it is started, as an engine's would.
 */
async function runtimeWithHeldFds(root: string, args: string[], dir: string, name: string): Promise<Outcome> {
  const held = openSync(dir, 'r');
  const [outPath, errPath] = [join(space.work, `${name}.out`), join(space.work, `${name}.err`)];
  const [out, err] = [openSync(outPath, 'w'), openSync(errPath, 'w')];
  try {
    const child = spawn(ENTRY_POINTS.runtime, ['--root', root, ...args], { stdio: ['ignore', out, err, ...HELD_FDS.map(() => held)] });
    const exitCode = await new Promise<number | null>((resolvePromise, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolvePromise(code));
    });
    return { exitCode, signal: null, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    for (const fd of [held, out, err]) closeSync(fd);
  }
}

describe('a working directory through a held fd', () => {
  it('works without a container when the fd leads to a host folder', async () => {
    const out = await withHeldFds('sh', ['-c', `cd /proc/self/fd/20 && ${READ_SECRET}`], secretDir);
    expect(out.stdout).toContain('HOST-SECRET');
  });

  for (const overlay of [false, true]) {
    const flags = overlay ? ['--overlay'] : [];
    it(`tenkai${overlay ? ' --overlay' : ''} refuses -w /proc/self/fd/N for the caller's fds 3 to 30`, async () => {
      for (const fd of HELD_FDS) {
        const out = await withHeldFds(ENTRY_POINTS.ryouiki, ['tenkai', '--path', space.rootfs, '--root', space.store, ...flags, '-w', `/proc/self/fd/${fd}`, '--command', READ_SECRET], secretDir);
        expectRefused(out, fd);
      }
    }, 300000);

    it(`tenkai${overlay ? ' --overlay' : ''} refuses -w /proc/self/fd/N for the runtime's own fds 3 to 30`, async () => {
      for (const fd of HELD_FDS) {
        const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, ...flags, '-w', `/proc/self/fd/${fd}`, '--command', READ_SECRET]);
        expectRefused(out, fd);
      }
    }, 300000);
  }

  it('ryouiki-init, driven directly, refuses --cwd /proc/self/fd/N for fds 3 to 30', async () => {
    for (const fd of HELD_FDS) {
      const out = await withHeldFds(ENTRY_POINTS.helper, ['--rootfs', space.rootfs, '--cwd', `/proc/self/fd/${fd}`, '--', '/bin/sh', '-c', READ_SECRET], secretDir);
      expectRefused(out, fd);
      expect(out.stderr).toMatch(/^ryouiki-init: cwd: /);
    }
  }, 300000);

  it('start refuses it, and exec -w in a running container refuses it', async () => {
    for (const flags of [[], ['--overlay']]) {
      for (const fd of HELD_FDS) {
        const started = await withHeldFds(ENTRY_POINTS.ryouiki, ['start', '--path', space.rootfs, '--root', space.store, ...flags, '-w', `/proc/self/fd/${fd}`, '--command', READ_SECRET], secretDir);
        expect({ fd, flags, exitCode: started.exitCode }).toEqual({ fd, flags, exitCode: 125 });
        expect(started.stderr).toMatch(/cwd: \/proc\/self\/fd\/\d+: /);
      }
    }
    const running = await ryouiki(['start', '--path', space.rootfs, '--root', space.store, '--command', 'sleep 60']);
    expect(running.exitCode).toBe(0);
    const id = running.stdout.trim();
    try {
      for (const fd of HELD_FDS) {
        const out = await withHeldFds(ENTRY_POINTS.ryouiki, ['exec', '--root', space.store, '-w', `/proc/self/fd/${fd}`, id, '--', 'sh', '-c', READ_SECRET], secretDir);
        expectRefused(out, fd);
      }
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  }, 600000);

  it('ryouiki-runtime run and exec, and tenkai --bundle, refuse a process.cwd of /proc/self/fd/N', async () => {
    const root = join(space.work, 'runtime-root');
    for (const fd of HELD_FDS) {
      const bundle = writeEscapeBundle(join(space.work, `bundle-${fd}`), space.rootfs, ['/bin/sh', '-c', READ_SECRET], (config) => {
        config.process.cwd = `/proc/self/fd/${fd}`;
      });
      const out = await withHeldFds(ENTRY_POINTS.runtime, ['--root', root, 'run', '--bundle', bundle, `cwd${fd}`], secretDir);
      expectRefused(out, fd);
      expect(containersIn(root)).toEqual([]);
      expectRefused(await withHeldFds(ENTRY_POINTS.ryouiki, ['tenkai', '--root', space.store, '--bundle', bundle], secretDir), fd);
    }
    const bundle = writeEscapeBundle(join(space.work, 'bundle-running'), space.rootfs, ['/bin/sleep', '60']);
    // A created container keeps the runtime's stdout: create and start write to files.
    expect((await runtime(space.work, root, ['create', '--bundle', bundle, 'running'], 'create')).exitCode).toBe(0);
    try {
      expect((await runtime(space.work, root, ['start', 'running'], 'start')).exitCode).toBe(0);
      for (const fd of HELD_FDS) {
        const out = await withHeldFds(ENTRY_POINTS.runtime, ['--root', root, 'exec', '--cwd', `/proc/self/fd/${fd}`, 'running', 'sh', '-c', READ_SECRET], secretDir);
        expectRefused(out, fd);
      }
    } finally {
      await runtime(space.work, root, ['delete', '--force', 'running'], 'delete');
    }
    expect(containersIn(root)).toEqual([]);
  }, 600000);

  it('ryouiki-runtime create refuses a process.cwd of /proc/self/fd/N for fds 3 to 30, so start has nothing to run', async () => {
    const root = join(space.work, 'runtime-root-create');
    for (const fd of HELD_FDS) {
      const bundle = writeEscapeBundle(join(space.work, `bundle-create-${fd}`), space.rootfs, ['/bin/sh', '-c', READ_SECRET], (config) => {
        config.process.cwd = `/proc/self/fd/${fd}`;
      });
      const created = await runtimeWithHeldFds(root, ['create', '--bundle', bundle, `create${fd}`], secretDir, `create-${fd}`);
      try {
        expectRefused(created, fd);
        const started = await runtimeWithHeldFds(root, ['start', `create${fd}`], secretDir, `start-${fd}`);
        // Had create let it through, the command would write to create's stdout once started.
        const leaked = `${started.stdout}${readFileSync(join(space.work, `create-${fd}.out`), 'utf8')}`.includes('HOST-SECRET');
        expect({ fd, leaked, refused: started.exitCode !== 0 }).toEqual({ fd, leaked: false, refused: true });
      } finally {
        await runtime(space.work, root, ['delete', '--force', `create${fd}`], 'delete');
      }
      expect(containersIn(root)).toEqual([]);
    }
  }, 600000);
});
