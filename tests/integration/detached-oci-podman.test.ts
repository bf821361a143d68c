import { existsSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { detectCgroups, isWritableDir } from '@ryouiki/core/internal';
import { expectNoLeftovers, freePort, makeTempDir, removeDir } from './harness.js';
import { HostTerminal } from './host-terminal.js';
import { RUNTIME, waitForAsync } from './oci-harness.js';
import { expectNoPodmanLeftovers, IMAGE, podmanProcesses, runtimeContainers, TestPodman } from './podman-harness.js';

let podman: TestPodman;
const ownCgroups = detectCgroups()
  .hierarchies.filter((h) => isWritableDir(h.ownDir))
  .map((h) => h.ownDir);

beforeAll(() => {
  podman = new TestPodman(makeTempDir('podman'));
  podman.importImage();
}, 120000);

afterAll(async () => {
  await podman.destroy();
  await expectNoLeftovers();
  expect(podmanProcesses()).toEqual([]);
  expect(existsSync(podman.home)).toBe(false);
}, 120000);

afterEach(async () => {
  expect((await podman.run(['ps', '--all', '--quiet'])).stdout).toBe('');
  await expectNoPodmanLeftovers(podman);
  await expectNoLeftovers();
  expect(runtimeContainers(podman)).toEqual([]);
  expect(ownCgroups.flatMap((dir) => readdirSync(dir).filter((entry) => entry.startsWith('ryouiki-')))).toEqual([]);
});

/** The test podman's environment as env(1) takes it: HostTerminal's shell would give it ours. */
function environmentOf(test: TestPodman): string[] {
  return Object.entries(test.env).map(([key, value]) => `${key}=${value ?? ''}`);
}

describe('podman with ryouiki-runtime as its OCI runtime', () => {
  it('run --rm prints what the command says', async () => {
    const out = await podman.run(['run', '--rm', IMAGE, 'echo', 'hi']);
    expect(out).toMatchObject({ exitCode: 0, stdout: 'hi\n' });
    // Nothing of the runtime's own in the container's output (podman may warn about the host).
    expect(out.stderr).not.toContain('ryouiki-runtime');
  });

  it('runs an image whose files belong to a uid other than root (podman mounts /run/.containerenv in its /run)', async () => {
    const image = 'localhost/ryouiki-busybox:uid1003';
    podman.importImage(image, 1003);
    const out = await podman.run(['run', '--rm', image, 'sh', '-c', 'stat -c %u /run /bin; test -f /run/.containerenv && echo containerenv']);
    expect(out).toMatchObject({ exitCode: 0, stdout: '1003\n1003\ncontainerenv\n' });
  }, 60000);

  it("run --rm exits with the command's exit code", async () => {
    const out = await podman.run(['run', '--rm', IMAGE, 'sh', '-c', 'echo bye >&2; exit 42']);
    expect(out.exitCode).toBe(42);
    expect(out.stderr).toContain('bye\n');
  });

  it('run -d, then logs, exec, stop and rm', async () => {
    const started = await podman.run(['run', '-d', IMAGE, 'sh', '-c', 'echo logged; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done']);
    expect(started).toMatchObject({ exitCode: 0, stderr: '' });
    const id = started.stdout.trim();
    await waitForAsync(async () => ((await podman.run(['logs', id])).stdout === 'logged\n' ? true : undefined), 'the log line');
    const exec = await podman.run(['exec', id, 'sh', '-c', 'echo "in $(hostname)"; exit 3']);
    expect(exec).toMatchObject({ exitCode: 3, stdout: `in ${id.slice(0, 12)}\n` });
    const inspect = await podman.run(['inspect', '--format', '{{.State.Status}} {{.OCIRuntime}}', id]);
    expect(inspect.stdout).toBe(`running ${RUNTIME}\n`);
    expect((await podman.run(['stop', '--time', '10', id])).exitCode).toBe(0);
    expect((await podman.run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id])).stdout).toBe('exited 0\n');
    expect((await podman.run(['logs', id])).stdout).toBe('logged\nbye\n');
    expect((await podman.run(['rm', id])).exitCode).toBe(0);
  });

  it('rm -f kills and removes a running container', async () => {
    const id = (await podman.run(['run', '-d', IMAGE, 'sleep', '600'])).stdout.trim();
    expect((await podman.run(['inspect', '--format', '{{.State.Status}}', id])).stdout).toBe('running\n');
    expect(await podman.run(['rm', '--force', '--time', '0', id])).toMatchObject({ exitCode: 0, stdout: `${id}\n` });
  });

  it('run -it gives the command a terminal through the console socket', async () => {
    const dir = makeTempDir('podman-tty');
    const terminal = new HostTerminal(dir, ['env', '-i', ...environmentOf(podman), 'podman', ...podman.args(['run', '--rm', '-it', IMAGE, 'sh'])]);
    try {
      await terminal.expect('# ', 'the prompt');
      terminal.type('tty; stty size; exit 7\r');
      await terminal.expect('/dev/pts/0');
      await terminal.expect('31 101');
      expect(await terminal.finish()).toBe(7);
    } finally {
      removeDir(dir);
    }
  });

  it('exec -it gives the program a terminal', async () => {
    const id = (await podman.run(['run', '-d', IMAGE, 'sleep', '600'])).stdout.trim();
    const dir = makeTempDir('podman-exec-tty');
    try {
      const terminal = new HostTerminal(dir, ['env', '-i', ...environmentOf(podman), 'podman', ...podman.args(['exec', '-it', id, 'sh'])]);
      await terminal.expect('# ', 'the prompt');
      terminal.type('tty; exit 6\r');
      await terminal.expect('/dev/pts/');
      expect(await terminal.finish()).toBe(6);
    } finally {
      removeDir(dir);
      await podman.run(['rm', '--force', '--time', '0', id]);
    }
  });

  it("run -p publishes a container port on the host's loopback", async () => {
    const port = await freePort();
    const id = (await podman.run(['run', '-d', '-p', `127.0.0.1:${port}:8080`, IMAGE, 'sh', '-c', 'echo served > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'])).stdout.trim();
    try {
      const body = await waitForAsync(async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/index.html`);
          return response.ok ? await response.text() : undefined;
        } catch {
          return undefined;
        }
      }, 'the published port to answer');
      expect(body).toBe('served\n');
    } finally {
      await podman.run(['rm', '--force', '--time', '0', id]);
    }
  });
});
