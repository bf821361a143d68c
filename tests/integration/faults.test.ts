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

interface PsNetworkEntry {
  id: string;
  status: string;
  pid?: number;
  networkLostAt?: string;
  resources?: Array<{ kind: string; stack?: { pid: number } }>;
}

async function psEntry(store: string, id: string): Promise<PsNetworkEntry | undefined> {
  const out = await inStore(store, 'ps', ['-a', '--json']);
  return (JSON.parse(out.stdout) as PsNetworkEntry[]).find((entry) => entry.id === id);
}

/** The recorded network stack of a running container: slirp4netns, or pasta's keeper. */
async function networkStackPid(store: string, id: string): Promise<number> {
  const stack = (await psEntry(store, id))?.resources?.find((resource) => resource.kind === 'network')?.stack?.pid;
  if (stack === undefined) throw new Error(`container ${id} has no network stack recorded`);
  return stack;
}

function childrenOf(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(' ').map(Number);
}

async function expectNetworkLost(store: string, id: string): Promise<void> {
  const lost = await waitForAsyncEntry(store, id, (entry) => entry.networkLostAt !== undefined);
  expect(lost).toMatchObject({ status: 'running', networkLostAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
  expect((await inStore(store, 'ps')).stdout).toMatch(/running \(network lost\)/);
  const inspected = JSON.parse((await inStore(store, 'inspect', [id])).stdout) as PsNetworkEntry[];
  expect(inspected[0]?.networkLostAt).toBe(lost.networkLostAt);
}

async function waitForAsyncEntry(store: string, id: string, done: (entry: PsNetworkEntry) => boolean): Promise<PsNetworkEntry> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const entry = await psEntry(store, id);
    if (entry !== undefined && done(entry)) return entry;
    if (Date.now() > deadline) throw new Error(`container ${id} never got there: ${JSON.stringify(entry)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('#14 item 5: a killed network stack is noticed', () => {
  const cases: Array<[string, string, (stack: number) => number]> = [
    ['slirp4netns', 'slirp4netns', (stack) => stack],
    ['pasta', 'pasta', (keeper) => childrenOf(keeper)[0]!],
    ['pasta\'s keeper', 'pasta', (keeper) => keeper],
  ];
  for (const [what, mode, victim] of cases) {
    it(`records it when ${what} is killed, and ps and inspect show it`, async () => {
      const store = newStore();
      const started = await inStore(store, 'start', ['--path', testRootfs(), '--network', mode, '--cgroup-parent', parent.name, '--command', 'sleep 60']);
      expect(started.stderr).toBe('');
      const id = started.stdout.trim();
      const running = await waitForStatus(store, id, 'running');
      expect(running).not.toHaveProperty('networkLostAt');
      process.kill(victim(await networkStackPid(store, id)), 'SIGKILL');
      await expectNetworkLost(store, id);
      expect((await inStore(store, 'rm', ['-f', id])).exitCode).toBe(0);
      await expectSwept(store);
    });
  }

  it('says nothing of a container without a network stack, or of one whose stack lives', async () => {
    const store = newStore();
    const none = (await inStore(store, 'start', ['--path', testRootfs(), '--network', 'none', '--command', 'sleep 60'])).stdout.trim();
    const slirp = (await inStore(store, 'start', ['--path', testRootfs(), '--network', 'slirp4netns', '--command', 'sleep 60'])).stdout.trim();
    await waitForStatus(store, slirp, 'running');
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const id of [none, slirp]) expect(await psEntry(store, id)).toMatchObject({ status: 'running' });
    for (const id of [none, slirp]) expect(await psEntry(store, id)).not.toHaveProperty('networkLostAt');
    expect((await inStore(store, 'rm', ['-f', none, slirp])).exitCode).toBe(0);
    await expectSwept(store);
  });
});

interface VowEntry {
  command: string;
  pid: number;
  status: string;
  exitCode?: number;
  time: string;
  run?: string;
  owner?: string;
}

async function vowEntries(store: string, pid: number): Promise<VowEntry[]> {
  const out = await inStore(store, 'inspect', ['--pid', String(pid), '--json']);
  expect(out.stderr).toBe('');
  return (JSON.parse(out.stdout) as Array<{ entries: VowEntry[] }>)[0]!.entries;
}

function bindingVowPids(store: string): number[] {
  const dir = join(store, 'binding_vow');
  return existsSync(dir) ? readdirSync(dir).map((name) => Number(name.split('.')[0])) : [];
}

describe('#14 item 7: binding_vow after a kill', () => {
  it('shows the run of a tenkai killed by SIGKILL as killed once its process is gone, once', async () => {
    const store = newStore();
    const child = spawn(RYOUIKI, ['tenkai', '--path', testRootfs(), '--root', store, '--command', 'sleep 60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const [pid] = await waitFor(() => {
      const pids = bindingVowPids(store);
      return pids.length > 0 ? pids : undefined;
    }, 'the started line');
    child.kill('SIGKILL');
    await exited;
    await expectNoLeftovers();
    const entries = await vowEntries(store, pid!);
    expect(entries.map((entry) => [entry.status, entry.exitCode])).toEqual([['started', undefined], ['killed', undefined]]);
    expect(entries[1]?.run).toBe(entries[0]?.run);
    expect(entries[0]?.owner).toMatch(/^\d+\.\d+$/);
    expect((await inStore(store, 'inspect', ['--pid', String(pid)])).stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('leaves a running run open, and ends a detached one whose supervisor was killed as killed', async () => {
    const store = newStore();
    const id = (await inStore(store, 'start', ['--path', testRootfs(), '--command', 'sleep 60'])).stdout.trim();
    const running = await waitForStatus(store, id, 'running');
    expect((await vowEntries(store, running.pid!)).map((entry) => entry.status)).toEqual(['started']);
    process.kill(running.monitor!.pid, 'SIGKILL');
    await expectNoLeftovers();
    const entries = await vowEntries(store, running.pid!);
    expect(entries.map((entry) => [entry.status, entry.exitCode])).toEqual([['started', undefined], ['killed', undefined]]);
    expect(entries[1]?.run).toBe(entries[0]?.run);
    await expectSwept(store);
  });

  it('writes every time in milliseconds: the process log, and the state the supervisor\'s end fills in', async () => {
    const store = newStore();
    await inStore(store, 'tenkai', ['--path', testRootfs(), '--command', 'true']);
    const id = (await inStore(store, 'start', ['--path', testRootfs(), '--command', 'exit 4'])).stdout.trim();
    const stopped = await waitForStatus(store, id, 'stopped');
    const milliseconds = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect((stopped as unknown as { finishedAt: string }).finishedAt).toMatch(milliseconds);
    const logs = JSON.parse((await inStore(store, 'inspect', ['--all', '--json'])).stdout) as Array<{ entries: VowEntry[] }>;
    const times = logs.flatMap((log) => log.entries.map((entry) => entry.time));
    expect(times).toHaveLength(4);
    for (const time of times) expect(time).toMatch(milliseconds);
    await expectSwept(store);
  });
});
