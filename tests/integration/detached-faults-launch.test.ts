import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, leftovers, liveProcesses, RYOUIKI, ryouiki, startRyouiki, testRootfs, waitFor, type Outcome } from './harness.js';
import { inStore, psAll, startDetached, useStores } from './detached-harness.js';
import { spawn } from 'node:child_process';

const { work, newStore } = useStores('faults-launch');

/** One line on stderr, naming what is wrong; nothing on stdout; exit 125. */
function expectOneLine(out: Outcome, message: RegExp): void {
  expect(out).toMatchObject({ exitCode: 125, stdout: '' });
  const lines = out.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** Every file left under a folder, however deep. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('an error once the helper runs', () => {
  it('kills and reaps the container, releases everything and exits 125 when binding_vow cannot be written (tenkai)', async () => {
    const store = newStore();
    mkdirSync(join(store, 'binding_vow'), { recursive: true });
    chmodSync(join(store, 'binding_vow'), 0o500);
    const out = await ryouiki(['tenkai', '--path', testRootfs(), '--root', store, '--', 'sleep', '6161']);
    expectOneLine(out, /^ryouiki: cannot write .*binding_vow.*: permission denied: make the folder writable by you, or give another --root$/);
    await expectNoLeftovers('sleep 6161');
    expect(filesUnder(join(store, 'run'))).toEqual([]);
    chmodSync(join(store, 'binding_vow'), 0o700);
  });

  it('exits 125 with one line and leaves no temporary state file under a file size limit (start, ulimit -f 8)', async () => {
    const store = newStore();
    const child = spawn('sh', ['-c', 'ulimit -f 8; exec "$@"', 'sh', RYOUIKI, 'start', '--root', store, '--path', testRootfs(), '--', 'sleep', '6162'], { stdio: 'pipe' });
    const out = await collect(child, '');
    // The failed write(2) names no file: the line names the one it was writing.
    expectOneLine(out, new RegExp(`^ryouiki: cannot write ${join(store, 'run')}/[0-9a-f]{64}/state\\.json: the file size limit is too small for it \\(ulimit -f\\): raise it`));
    await expectNoLeftovers('sleep 6162');
    expect(filesUnder(join(store, 'run'))).toEqual([]);
  });

  it("names a file size limit below the helper's size before anything is started (start, prlimit --fsize)", async () => {
    const store = newStore();
    const out = await collect(spawn('prlimit', ['--fsize=51200', RYOUIKI, 'start', '--root', store, '--path', testRootfs(), '--', 'sleep', '6163'], { stdio: 'pipe' }), '');
    expectOneLine(out, /^ryouiki: the file size limit \(ulimit -f\) of 51200 bytes is below the size of ryouiki-init \(\d+ bytes\), which runs from a copy of itself in memory: raise it/);
    await expectNoLeftovers('sleep 6163');
    expect(filesUnder(join(store, 'run'))).toEqual([]);
    expect(filesUnder(join(store, 'logs'))).toEqual([]);
  });

  it('names an unwritable log folder and what to do, leaving nothing (start)', async () => {
    const store = newStore();
    mkdirSync(join(store, 'logs'), { recursive: true });
    chmodSync(join(store, 'logs'), 0o500);
    const out = await ryouiki(['start', '--root', store, '--path', testRootfs(), '--', 'sleep', '6164']);
    chmodSync(join(store, 'logs'), 0o700);
    expectOneLine(out, new RegExp(`^ryouiki: cannot write ${join(store, 'logs')}/[0-9a-f]{64}\\.log: permission denied: make the folder writable by you, or give another --root$`));
    await expectNoLeftovers('sleep 6164');
    expect(existsSync(join(store, 'run'))).toBe(false);
    expect(filesUnder(join(store, 'logs'))).toEqual([]);
  });

  it('says a container its memory limit killed before its command ran was out of memory, naming the limit (start --memory 4k)', async () => {
    const store = newStore();
    const out = await ryouiki(['start', '--root', store, '--path', testRootfs(), '--memory', '4k', '--', 'sleep', '6165']);
    expectOneLine(
      out,
      /^ryouiki: the container ran out of memory before its command started: its memory limit of 4096 bytes \(--memory, linux\.resources\.memory\.limit\) is too small for the runtime's set-up; raise it$/,
    );
    await expectNoLeftovers('sleep 6165');
    expect(existsSync(join(store, 'run'))).toBe(false);
    expect(filesUnder(join(store, 'logs'))).toEqual([]);
  });
});

describe('a damaged state.json', () => {
  it('is listed as damaged, rm -f kills what it finds of it and removes it, and the other containers are unaffected', async () => {
    const store = newStore();
    const damaged = await startDetached(store, ['--', 'sleep', '6262']);
    const healthy = await startDetached(store, ['--', 'sleep', '6263']);
    const before = (await psAll(store)).find((entry) => entry.id === damaged);
    const itsProcesses = [before?.pid, before?.monitor?.pid].filter((pid): pid is number => pid !== undefined);
    expect(itsProcesses).toHaveLength(2);
    writeFileSync(join(store, 'run', damaged, 'state.json'), '{"id": "');
    const table = await inStore(store, 'ps', ['-a']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${damaged.slice(0, 12)} .* damaged`));
    const listed = JSON.parse((await inStore(store, 'ps', ['-a', '--json'])).stdout) as { ID: string; State: string }[];
    expect(listed.map((entry) => [entry.ID, entry.State])).toEqual(
      expect.arrayContaining([
        [damaged, 'damaged'],
        [healthy, 'running'],
      ]),
    );
    // As podman inspect, what was found (nothing) goes to stdout, the error to stderr.
    const inspected = await inStore(store, 'inspect', [damaged.slice(0, 12)]);
    expect(inspected).toMatchObject({ exitCode: 125, stdout: '[]\n' });
    expect(inspected.stderr).toMatch(/^ryouiki: the state of container .* is damaged \(.*\): remove it with ryouiki rm -f \w+\n$/);
    expect(await inStore(store, 'rm', ['-f', damaged.slice(0, 12)])).toMatchObject({ exitCode: 0 });
    const alive = (): number[] =>
      liveProcesses()
        .filter((p) => itsProcesses.includes(p.pid) || p.cmdline.includes('sleep 6262'))
        .map((p) => p.pid);
    await waitFor(() => (alive().length === 0 ? true : undefined), "the damaged container's processes to end");
    expect(existsSync(join(store, 'run', damaged))).toBe(false);
    expect(existsSync(join(store, 'run', 'files', damaged))).toBe(false);
    expect((await psAll(store)).map((entry) => [entry.id, entry.status])).toEqual([[healthy, 'running']]);
    expect(leftovers('sleep 6263').filter((p) => p.comm === 'sleep')).toHaveLength(1);
  });
});

describe('files a killed launch made', () => {
  it('are recorded before they are made and swept by the next command, whenever tenkai is killed', async () => {
    const store = newStore();
    for (const delay of [40, 80, 100, 120, 130, 140, 150, 160, 200, 300, 600]) {
      const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--', 'sleep', '6363']);
      const outcome = collect(child);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await outcome;
      const next = await inStore(store, 'ps', ['-a']);
      expect(next).toMatchObject({ exitCode: 0, stderr: '' });
      expect(next.stdout.trim().split('\n')).toHaveLength(1);
      await expectNoLeftovers('sleep 6363');
      expect({ delay, left: filesUnder(join(store, 'run')) }).toEqual({ delay, left: [] });
    }
  }, 120000);

  it("leaves nothing when start is given an env value over the kernel's limit for one variable", async () => {
    const store = newStore();
    const envFile = join(work, 'huge.env');
    writeFileSync(envFile, `PATH=/bin\nHUGE=${'x'.repeat(1024 * 1024)}\n`);
    const out = await ryouiki(['start', '--root', store, '--path', testRootfs(), '--env', envFile, '--', 'sleep', '6364']);
    expectOneLine(out, /^ryouiki: HUGE is 1048582 bytes, over the kernel's limit of 131072 bytes for one environment variable \(MAX_ARG_STRLEN\): pass big data in a file/);
    await expectNoLeftovers('sleep 6364');
    expect(filesUnder(join(store, 'run'))).toEqual([]);
  });
});
