import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cgroupsBelow, makeTestCgroupParent, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, RYOUIKI, testRootfs, waitFor, type Outcome } from './harness.js';
import { inStore, psAll, removeAllContainers, runtimeEntries, waitForStatus } from './detached-harness.js';

/*
 * Fault injection (#14): each fault is followed by the next command's sweep
 * and a check that nothing is left: no process, no mount, no cgroup, no
 * runtime or state file.
 */

const work = makeTempDir('faults');
let parent: TestCgroupParent;
const stores: string[] = [];
let count = 0;

beforeAll(() => {
  parent = makeTestCgroupParent();
});
afterAll(() => {
  removeTestCgroupParent(parent);
  removeDir(work);
});
afterEach(async () => {
  for (const store of stores.splice(0)) await removeAllContainers(store);
  await expectNoLeftovers();
});

function newStore(): string {
  const store = join(work, `store-${count++}`);
  stores.push(store);
  return store;
}

/** Mount points below the test's work folder, in this process's mount namespace. */
function mountsBelowWork(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(work));
}

/** The next command sweeps; then no process, mount, cgroup or runtime file of the store may be left. */
async function expectSwept(store: string): Promise<void> {
  const ps = await inStore(store, 'ps', ['-a', '--json']);
  expect(ps.stderr).toBe('');
  await removeAllContainers(store);
  await expectNoLeftovers();
  expect(mountsBelowWork()).toEqual([]);
  expect(cgroupsBelow(parent)).toEqual([]);
  expect(runtimeEntries(store)).toEqual([]);
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return collect(spawn(program, args, { stdio: 'pipe', env: { ...process.env, ...env } }), '');
}

function startArgs(store: string, script: string, extra: string[] = []): string[] {
  return ['start', '--path', testRootfs(), '--root', store, '--cgroup-parent', parent.name, ...extra, '--command', script];
}

/** The bytes of `line 0\n` to `line N-1\n`, then `end\n`: what the counting scripts print. */
function countedOutput(lines: number): number {
  let bytes = 'end\n'.length;
  for (let i = 0; i < lines; i++) bytes += `line ${i}\n`.length;
  return bytes;
}

const countLines = (lines: number): string => `i=0; while [ $i -lt ${lines} ]; do echo line $i; i=$((i+1)); done`;

interface GapLine {
  text: string;
  gap?: { lostBytes: number; since: string; reason: string };
  stream: string;
  newline: boolean;
}

/** Every byte the container wrote is either in the log or counted in one of its gaps. */
function accountedBytes(lines: GapLine[]): { logged: number; lost: number } {
  let logged = 0;
  let lost = 0;
  for (const line of lines) {
    if (line.gap !== undefined) lost += line.gap.lostBytes;
    else logged += Buffer.byteLength(line.text) + (line.newline ? 1 : 0);
  }
  return { logged, lost };
}

describe('#14 item 4: a log that cannot grow does not end the container', () => {
  it('under a file-size limit, without rotation: the container runs to its end and the log marks what it lost', async () => {
    const store = newStore();
    const limit = 32 * 1024;
    const lines = 5000;
    const started = await run('prlimit', [`--fsize=${limit}`, RYOUIKI, ...startArgs(store, `${countLines(lines)}; echo end`, ['--log-max-size', '0'])]);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    const stopped = await waitForStatus(store, id, 'stopped');
    expect(stopped).toMatchObject({ exitCode: 0, exitReason: 'exit' });
    expect(statSync(stopped.logPath).size).toBeLessThanOrEqual(limit);
    const json = JSON.parse((await inStore(store, 'logs', ['--json', id])).stdout) as GapLine[];
    const gaps = json.filter((line) => line.gap !== undefined);
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap.gap?.reason).toBe('File too large');
    expect(accountedBytes(json)).toEqual({ logged: expect.any(Number), lost: countedOutput(lines) - accountedBytes(json).logged });
    // The lines that are there are the first ones, whole and in order.
    const texts = json.filter((line) => line.gap === undefined).map((line) => line.text);
    expect(texts).toEqual(texts.map((_, i) => `line ${i}`));
    const printed = await inStore(store, 'logs', [id]);
    expect(printed.exitCode).toBe(0);
    expect(printed.stderr).toMatch(/^ryouiki: \d+ bytes of output from \S+ on are missing here: the log could not be written \(File too large\)\n/);
    await expectSwept(store);
  });

  it('under a file-size limit, with rotation: the log rotates below the limit and loses nothing since', async () => {
    const store = newStore();
    const limit = 32 * 1024;
    const started = await run('prlimit', [`--fsize=${limit}`, RYOUIKI, ...startArgs(store, `${countLines(5000)}; echo end`)]);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    const stopped = await waitForStatus(store, id, 'stopped');
    expect(stopped).toMatchObject({ exitCode: 0, exitReason: 'exit' });
    const json = JSON.parse((await inStore(store, 'logs', ['--json', id])).stdout) as GapLine[];
    expect(json.filter((line) => line.gap !== undefined)).toEqual([]);
    const texts = json.map((line) => line.text);
    expect(texts.slice(-2)).toEqual(['line 4999', 'end']);
    const first = Number(texts[0]?.split(' ')[1]);
    expect(texts.slice(0, -1)).toEqual(texts.slice(0, -1).map((_, i) => `line ${first + i}`));
    await expectSwept(store);
  });

  it('on a full filesystem: the container runs on, its output is drained and counted, and the log says what it lost once there is room', async () => {
    const store = newStore();
    const fs = join(work, `tiny-${count}`);
    const ctl = join(work, `ctl-${count}`);
    mkdirSync(fs);
    mkdirSync(ctl);
    const lines = 3000;
    const script = [
      `until [ -e /var/tmp/full ]; do sleep 0.05; done`,
      countLines(lines),
      'touch /var/tmp/printed',
      'until [ -e /var/tmp/freed ]; do sleep 0.05; done',
      'echo end',
    ].join('; ');
    // A tmpfs of 256 KiB in a user and mount namespace of the test's own: the store's data
    // folder (the logs) is on it, the runtime folder is not.
    const steps = [
      'set -eu',
      `mount -t tmpfs -o size=256k tmpfs ${fs}`,
      `export XDG_DATA_HOME=${fs} XDG_RUNTIME_DIR=${join(store, 'xdg-run')}`,
      `mkdir -p -m 0700 $XDG_RUNTIME_DIR`,
      `id=$(${RYOUIKI} start --path ${testRootfs()} --cgroups disabled -v ${ctl}:/var/tmp --command '${script}')`,
      `dd if=/dev/zero of=${fs}/filler bs=4k 2>/dev/null || true`,
      `touch ${ctl}/full`,
      `until [ -e ${ctl}/printed ]; do sleep 0.05; done`,
      'sleep 0.5',
      `rm ${fs}/filler`,
      `touch ${ctl}/freed`,
      `${RYOUIKI} wait $id >&2`,
      `${RYOUIKI} logs --json $id`,
      `${RYOUIKI} logs $id >/dev/null`,
      `${RYOUIKI} rm $id >&2`,
      `rmdir $XDG_RUNTIME_DIR/ryouiki 2>/dev/null; rmdir $XDG_RUNTIME_DIR`,
    ];
    const result = await run('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', steps.join('\n')]);
    expect(result.stderr).toMatch(/^0\nryouiki: \d+ bytes of output from \S+ on are missing here: the log could not be written \(No space left on device\)\n/);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as GapLine[];
    expect(json.filter((line) => line.gap !== undefined).length).toBeGreaterThan(0);
    expect(json.at(-1)).toMatchObject({ text: 'end', newline: true });
    const { logged, lost } = accountedBytes(json);
    expect(lost).toBeGreaterThan(0);
    expect(logged + lost).toBe(countedOutput(lines));
    expect(leftovers()).toEqual([]);
    expect(readdirSync(fs)).toEqual([]);
  });
});
