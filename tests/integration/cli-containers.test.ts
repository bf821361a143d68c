import { describe, expect, it } from '@jest/globals';
import { ryouiki, testRootfs } from './harness.js';
import { inStore, psAll, useStores } from './detached-harness.js';

// ps, rm -a, stop -a, top and port, as a podman user types them.

const { newStore } = useStores('cli-containers');

function startIn(store: string, args: string[]): Promise<string> {
  return ryouiki(['start', '--root', store, '--path', testRootfs(), ...args]).then((out) => {
    if (out.exitCode !== 0) throw new Error(`start failed: ${out.stderr}`);
    return out.stdout.trim();
  });
}

/** A free-looking port above the usual ones, so parallel tests do not share one. */
function somePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

describe('ryouiki ps', () => {
  it("prints ids with -q, a template with --format, and the table's fields with --json", async () => {
    const store = newStore();
    const port = somePort();
    const web = await startIn(store, ['--name', 'web', '-p', `127.0.0.1:${port}:80`, 'sleep', '300']);
    const quiet = await startIn(store, ['--name', 'quiet', '--network', 'none', 'sleep', '300']);

    expect((await inStore(store, 'ps', ['-q'])).stdout.split('\n').filter(Boolean).sort()).toEqual([web.slice(0, 12), quiet.slice(0, 12)].sort());
    expect((await inStore(store, 'ps', ['-q', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort()).toEqual([web, quiet].sort());

    const format = await inStore(store, 'ps', ['--format', '{{.ID}} {{.Names}} {{.Ports}}']);
    expect(format.stdout.split('\n').filter(Boolean).sort()).toEqual([`${quiet.slice(0, 12)} quiet `, `${web.slice(0, 12)} web 127.0.0.1:${port}->80/tcp`].sort());
    const table = await inStore(store, 'ps', ['--format', 'table {{.Names}}\\t{{.State}}']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAMES\s+STATE$/);
    const unknown = await inStore(store, 'ps', ['--format', '{{.Nope}}']);
    expect(unknown.exitCode).toBe(125);
    expect(unknown.stderr).toMatch(/^ryouiki: --format: ps has no field \.Nope: use \.ID, /);

    const screen = await inStore(store, 'ps');
    const header = screen.stdout.split('\n')[0];
    expect(header).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\s+PID$/);
    const webLine = screen.stdout.split('\n').find((line) => line.includes(' web '));
    expect(webLine).toContain(testRootfs());
    expect(webLine).toMatch(/(Less than a second|\d+ seconds?) ago/);
    expect(webLine).toContain(`127.0.0.1:${port}->80/tcp`);

    const rows = JSON.parse((await inStore(store, 'ps', ['--json'])).stdout) as Array<Record<string, unknown>>;
    expect(rows.find((row) => row.Names === 'web')).toEqual({
      ID: web,
      Image: testRootfs(),
      Command: 'sleep 300',
      CreatedAt: expect.any(String),
      RunningFor: expect.stringMatching(/ ago$/),
      Status: 'running',
      State: 'running',
      Ports: `127.0.0.1:${port}->80/tcp`,
      Names: 'web',
      Pid: expect.any(Number),
    });

    expect((await inStore(store, 'port', ['web'])).stdout).toBe(`80/tcp -> 127.0.0.1:${port}\n`);
    expect((await inStore(store, 'port', ['web', '80'])).stdout).toBe(`127.0.0.1:${port}\n`);
    const notPublished = await inStore(store, 'port', ['web', '81/udp']);
    expect(notPublished).toMatchObject({ exitCode: 125, stderr: 'ryouiki: web does not publish port 81/udp: see ryouiki port web\n' });
    expect((await inStore(store, 'port', ['quiet'])).stdout).toBe('');

    const stopped = await inStore(store, 'stop', ['-a', '-t', '1']);
    expect({ exitCode: stopped.exitCode, ids: stopped.stdout.split('\n').filter(Boolean).sort() }).toEqual({ exitCode: 0, ids: [web, quiet].sort() });
    expect((await inStore(store, 'ps', ['-q'])).stdout).toBe('');
    expect((await psAll(store)).map((state) => state.status)).toEqual(['stopped', 'stopped']);
    const removed = await inStore(store, 'rm', ['-a']);
    expect({ exitCode: removed.exitCode, ids: removed.stdout.split('\n').filter(Boolean).sort() }).toEqual({ exitCode: 0, ids: [web, quiet].sort() });
    expect(await psAll(store)).toEqual([]);
  }, 120_000);

  it('rm -a leaves running containers unless -f, and -a with names is refused', async () => {
    const store = newStore();
    const running = await startIn(store, ['--network', 'none', 'sleep', '300']);
    const ended = await startIn(store, ['--network', 'none', 'true']);
    await waitForStopped(store, ended);
    const plain = await inStore(store, 'rm', ['-a']);
    expect(plain.exitCode).toBe(125);
    expect(plain.stdout).toBe(`${ended}\n`);
    expect(plain.stderr).toMatch(/^ryouiki: .*running/);
    expect((await psAll(store)).map((state) => state.id)).toEqual([running]);
    expect(await inStore(store, 'rm', ['-a', running])).toMatchObject({ exitCode: 125, stderr: 'ryouiki: give either container names or --all, not both: ryouiki rm [-f] (ID... | -a)\n' });
    expect(await inStore(store, 'stop', [])).toMatchObject({ exitCode: 125, stderr: 'ryouiki: name the containers, or give --all: ryouiki stop [-t SECONDS] (ID... | -a)\n' });
    expect(await inStore(store, 'rm', ['-f', '-a'])).toMatchObject({ exitCode: 0, stdout: `${running}\n` });
    expect(await psAll(store)).toEqual([]);
  });
});

async function waitForStopped(store: string, id: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if ((await psAll(store)).find((state) => state.id === id)?.status === 'stopped') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${id} never stopped`);
}

describe('ryouiki top', () => {
  it("lists the container's processes as it sees them, exec'd ones too", async () => {
    const store = newStore();
    await startIn(store, ['--name', 'busy', '--network', 'none', 'sh', '-c', 'sleep 301 & sleep 302']);
    const exec = ryouiki(['exec', '--root', store, 'busy', 'sleep', '303']);
    try {
      let out = '';
      for (let tries = 0; tries < 100 && !out.includes('sleep 303'); tries++) {
        out = (await inStore(store, 'top', ['busy'])).stdout;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const lines = out.split('\n').filter(Boolean);
      expect(lines[0]).toMatch(/^USER\s+PID\s+PPID\s+TIME\s+COMMAND$/);
      // busybox sh runs its last command in its own place: PID 2, the init's child.
      expect(lines.find((line) => line.endsWith('ryouiki-init'))).toMatch(/^0\s+1\s+0\s+\d\d:\d\d:\d\d\s+ryouiki-init$/);
      expect(lines.find((line) => line.endsWith('sleep 302'))).toMatch(/^0\s+2\s+1\s+00:00:00\s+sleep 302$/);
      expect(lines.find((line) => line.endsWith('sleep 301'))).toMatch(/^0\s+\d+\s+2\s+/);
      // An exec'd program's parent, ryouiki-exec, is outside the container.
      expect(lines.find((line) => line.endsWith('sleep 303'))).toMatch(/^0\s+\d+\s+0\s+/);
    } finally {
      await inStore(store, 'rm', ['-f', 'busy']);
      await exec;
    }
    const gone = await inStore(store, 'top', ['busy']);
    expect(gone.exitCode).toBe(125);
  });
});
