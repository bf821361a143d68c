import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cgroupsBelow, makeTestCgroupParent, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, REPO_ROOT, RYOUIKI, testRootfs, waitFor, type Outcome } from './harness.js';
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
afterAll(async () => {
  // A failed test may leave a container ending; its cgroup goes with it.
  await waitFor(() => (leftovers().length === 0 ? true : undefined), 'container processes to end', 30000).catch(() => undefined);
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
    // Above what ryouiki writes itself (the seccomp allow list's rules are tens of KiB), far below the output.
    const limit = 256 * 1024;
    const lines = 20000;
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
    const limit = 256 * 1024;
    const started = await run('prlimit', [`--fsize=${limit}`, RYOUIKI, ...startArgs(store, `${countLines(20000)}; echo end`)]);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    const stopped = await waitForStatus(store, id, 'stopped');
    expect(stopped).toMatchObject({ exitCode: 0, exitReason: 'exit' });
    const json = JSON.parse((await inStore(store, 'logs', ['--json', id])).stdout) as GapLine[];
    expect(json.filter((line) => line.gap !== undefined)).toEqual([]);
    const texts = json.map((line) => line.text);
    expect(texts.slice(-2)).toEqual(['line 19999', 'end']);
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
    const script = [`until [ -e /var/tmp/full ]; do sleep 0.05; done`, countLines(lines), 'touch /var/tmp/printed', 'until [ -e /var/tmp/freed ]; do sleep 0.05; done', 'echo end'].join('; ');
    // A tmpfs of 256 KiB in a user and mount namespace of the test's own: the store's data
    // folder (the logs) is on it, the runtime folder is not.
    const steps = [
      'set -eu',
      `mount -t tmpfs -o size=256k tmpfs ${fs}`,
      `export XDG_DATA_HOME=${fs} XDG_RUNTIME_DIR=${join(store, 'xdg-run')}`,
      `mkdir -p -m 0700 $XDG_RUNTIME_DIR`,
      `id=$(${RYOUIKI} start --path ${testRootfs()} --userns single --cgroups disabled -v ${ctl}:/var/tmp --command '${script}')`,
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

/** A container's whole state, as inspect gives it (ps --json has only the table's fields). */
async function psEntry(store: string, id: string): Promise<PsNetworkEntry | undefined> {
  return ((await psAll(store)) as unknown as PsNetworkEntry[]).find((entry) => entry.id === id);
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
    ["pasta's keeper", 'pasta', (keeper) => keeper],
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

  it('says nothing of a container without a network stack, of one whose stack lives, or of one whose stack ended with it', async () => {
    const store = newStore();
    const none = (await inStore(store, 'start', ['--path', testRootfs(), '--network', 'none', '--command', 'sleep 60'])).stdout.trim();
    const slirp = (await inStore(store, 'start', ['--path', testRootfs(), '--network', 'slirp4netns', '--command', 'sleep 60'])).stdout.trim();
    await waitForStatus(store, slirp, 'running');
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const id of [none, slirp]) expect(await psEntry(store, id)).toMatchObject({ status: 'running' });
    for (const id of [none, slirp]) expect(await psEntry(store, id)).not.toHaveProperty('networkLostAt');
    // A stack that ends with its container is not a lost network either.
    const ended = (await inStore(store, 'start', ['--path', testRootfs(), '--network', 'slirp4netns', '--command', 'sleep 0.5'])).stdout.trim();
    expect(await waitForStatus(store, ended, 'stopped')).not.toHaveProperty('networkLostAt');
    expect((await inStore(store, 'rm', ['-f', none, slirp, ended])).exitCode).toBe(0);
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
    // The file is made before its line is written: wait for the line itself.
    const [pid] = await waitFor(() => {
      const pids = bindingVowPids(store).filter((candidate) => readFileSync(join(store, 'binding_vow', `${candidate}.ryouiki`), 'utf8').endsWith('\n'));
      return pids.length > 0 ? pids : undefined;
    }, 'the started line');
    child.kill('SIGKILL');
    await exited;
    await expectNoLeftovers();
    // A log that cannot take the end shows it all the same; one that can, records it.
    const file = join(store, 'binding_vow', `${pid}.ryouiki`);
    chmodSync(file, 0o400);
    expect((await vowEntries(store, pid!)).map((entry) => entry.status)).toEqual(['started', 'killed']);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    chmodSync(file, 0o600);
    const entries = await vowEntries(store, pid!);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(entries.map((entry) => [entry.status, entry.exitCode])).toEqual([
      ['started', undefined],
      ['killed', undefined],
    ]);
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
    expect(entries.map((entry) => [entry.status, entry.exitCode])).toEqual([
      ['started', undefined],
      ['killed', undefined],
    ]);
    expect(entries[1]?.run).toBe(entries[0]?.run);
    await expectSwept(store);
  });

  it("writes every time in milliseconds: the process log, and the state the supervisor's end fills in", async () => {
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

/*
 * The faults below are fixed by the one launch pipeline (#14 items 1, 2, 3 and
 * 6: an error after the helper starts, a damaged state.json, files generated
 * before they are recorded, one-line messages). They are here so that the
 * pipeline is checked against them; some fail without it.
 */

const KILL_POINTS = 16;
/** A kill loop runs the command KILL_POINTS + 1 times, each followed by a sweep. */
const KILL_LOOP_MS = 300_000;
const RUNTIME = join(REPO_ROOT, 'bin', 'ryouiki-runtime');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** KILL_POINTS moments from 0 to the time one undisturbed run of the command takes. */
async function killMoments(undisturbed: () => Promise<unknown>): Promise<number[]> {
  const begin = Date.now();
  await undisturbed();
  const span = Date.now() - begin;
  return Array.from({ length: KILL_POINTS }, (_, i) => Math.round((span * i) / (KILL_POINTS - 1)));
}

/**
 * Runs a command to its exit with its output thrown away: a container that
 * ryouiki-runtime creates keeps the runtime's stdout and stderr (an engine's
 * monitor reads them), so pipes would not end with it.
 */
async function runQuietly(program: string, args: string[]): Promise<number | null> {
  const child = spawn(program, args, { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** Starts a command, SIGKILLs it after ms (if it still runs), and waits for its end. */
async function killAt(program: string, args: string[], ms: number): Promise<void> {
  const child = spawn(program, args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await Promise.race([exited, sleep(ms)]);
  child.kill('SIGKILL');
  await exited;
}

/** No run of the store's process log is left open with nobody to end it: inspect shows each as ended. */
async function expectEveryRunEnded(store: string): Promise<void> {
  const out = await inStore(store, 'inspect', ['--all', '--json']);
  expect(out.stderr).toBe('');
  for (const log of JSON.parse(out.stdout) as Array<{ entries: VowEntry[] }>) {
    const started = log.entries.filter((entry) => entry.status === 'started').length;
    expect(log.entries.length).toBe(2 * started);
  }
}

/** One line on stderr that names what is wrong, exit 125, and not an internal error. */
function expectOneClearLine(outcome: Outcome): void {
  expect(outcome.exitCode).toBe(125);
  expect(outcome.stderr).toMatch(/^ryouiki(-runtime)?: [^\n]+\n$/);
  expect(outcome.stderr).not.toMatch(/internal error|--debug|ERR_|at .*\(.*:\d+:\d+\)/);
}

/** Runs a command that must end by itself: a hang is a failure, not a test timeout. */
async function ending(program: string, args: string[], env: NodeJS.ProcessEnv = {}, limitMs = 30000): Promise<Outcome> {
  const child = spawn(program, args, { stdio: 'pipe', env: { ...process.env, ...env }, detached: true });
  // A hung command is killed with all it started in its process group.
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), limitMs);
  const outcome = await collect(child, '');
  clearTimeout(timer);
  expect(outcome.signal).toBeNull();
  return outcome;
}

describe('SIGKILL at many moments, then the next command sweeps (needs the launch pipeline, #14 items 1 and 3)', () => {
  it(
    `tenkai, killed at ${KILL_POINTS} moments of its start-up`,
    async () => {
      const store = newStore();
      const args = ['tenkai', '--path', testRootfs(), '--root', store, '--cgroup-parent', parent.name, '--network', 'slirp4netns', '--command', 'true'];
      for (const ms of await killMoments(() => run(RYOUIKI, args))) {
        await killAt(RYOUIKI, args, ms);
        await expectSwept(store);
      }
      await expectEveryRunEnded(store);
    },
    KILL_LOOP_MS,
  );

  it(
    `start, killed at ${KILL_POINTS} moments`,
    async () => {
      const store = newStore();
      const args = startArgs(store, 'sleep 60', ['--network', 'slirp4netns']);
      for (const ms of await killMoments(async () => {
        await run(RYOUIKI, args);
        await removeAllContainers(store);
      })) {
        await killAt(RYOUIKI, args, ms);
        await expectSwept(store);
      }
      await expectEveryRunEnded(store);
    },
    KILL_LOOP_MS,
  );

  it(
    `exec, killed at ${KILL_POINTS} moments, leaves the container as it was`,
    async () => {
      const store = newStore();
      const id = (await run(RYOUIKI, startArgs(store, 'sleep 600'))).stdout.trim();
      const before = readdirSync(join(store, 'run', id)).sort();
      const args = ['exec', '--root', store, id, '--', 'true'];
      for (const ms of await killMoments(() => run(RYOUIKI, args))) {
        await killAt(RYOUIKI, args, ms);
        await waitFor(() => (leftovers().filter((p) => p.comm === 'ryouiki-exec').length === 0 ? true : undefined), 'ryouiki-exec to end');
        expect((await psEntry(store, id))?.status).toBe('running');
        expect(readdirSync(join(store, 'run', id)).sort()).toEqual(before);
      }
      await expectSwept(store);
    },
    KILL_LOOP_MS,
  );

  it(
    `rm -f, killed at ${KILL_POINTS} moments`,
    async () => {
      const store = newStore();
      const start = startArgs(store, 'sleep 600', ['--network', 'slirp4netns']);
      const moments = await killMoments(async () => {
        const id = (await run(RYOUIKI, start)).stdout.trim();
        await run(RYOUIKI, ['rm', '-f', '--root', store, id]);
      });
      for (const ms of moments) {
        const id = (await run(RYOUIKI, start)).stdout.trim();
        await killAt(RYOUIKI, ['rm', '-f', '--root', store, id], ms);
        await expectSwept(store);
      }
      await expectEveryRunEnded(store);
    },
    KILL_LOOP_MS,
  );

  it(
    `ryouiki-runtime create, killed at ${KILL_POINTS} moments`,
    async () => {
      const dir = join(work, `oci-${count++}`);
      const root = join(dir, 'root');
      const bundle = join(dir, 'bundle');
      mkdirSync(bundle, { recursive: true });
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      writeFileSync(
        join(bundle, 'config.json'),
        JSON.stringify({
          ociVersion: '1.0.2',
          process: { user: { uid: 0, gid: 0 }, args: ['sleep', '60'], env: ['PATH=/bin:/usr/bin'], cwd: '/' },
          root: { path: testRootfs(), readonly: true },
          linux: {
            namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'user'].map((type) => ({ type })),
            uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
            gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
          },
        }),
      );
      const create = (id: string): string[] => ['--root', root, 'create', '--bundle', bundle, id];
      const sweep = async (): Promise<void> => {
        await runQuietly(RUNTIME, ['--root', root, 'list']);
        for (const id of existsSync(root) ? readdirSync(root) : []) await runQuietly(RUNTIME, ['--root', root, 'delete', '--force', id]);
        await expectNoLeftovers();
        expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
        expect(mountsBelowWork()).toEqual([]);
      };
      const moments = await killMoments(async () => {
        expect(await runQuietly(RUNTIME, create('measure'))).toBe(0);
        await sweep();
      });
      for (const [i, ms] of moments.entries()) {
        await killAt(RUNTIME, create(`k${i}`), ms);
        await sweep();
      }
    },
    KILL_LOOP_MS,
  );
});

describe('unwritable, full and damaged folders (needs the launch pipeline, #14 items 1, 2 and 6)', () => {
  it('an unwritable binding_vow: tenkai and start end with one line, 125, nothing left', async () => {
    const store = newStore();
    mkdirSync(store);
    mkdirSync(join(store, 'binding_vow'), { mode: 0o500 });
    expectOneClearLine(await ending(RYOUIKI, ['tenkai', '--path', testRootfs(), '--root', store, '--command', 'true']));
    expectOneClearLine(await ending(RYOUIKI, startArgs(store, 'sleep 60')));
    await expectSwept(store);
  }, 120_000);

  it('an unwritable runtime folder or data folder: one line, 125, nothing left', async () => {
    for (const folder of ['run', 'logs']) {
      const store = newStore();
      mkdirSync(store);
      mkdirSync(join(store, folder), { mode: 0o500 });
      expectOneClearLine(await ending(RYOUIKI, startArgs(store, 'sleep 60')));
      await expectSwept(store);
    }
  }, 120_000);

  it("full folders (a tmpfs in a namespace of the test's own): tenkai and start end with one line, 125, nothing left", async () => {
    for (const full of ['XDG_DATA_HOME', 'XDG_RUNTIME_DIR']) {
      const fs = join(work, `full-${count++}`);
      const other = join(work, `other-${count++}`);
      mkdirSync(fs);
      mkdirSync(other, { mode: 0o700 });
      const env = full === 'XDG_DATA_HOME' ? `XDG_DATA_HOME=${fs} XDG_RUNTIME_DIR=${other}` : `XDG_RUNTIME_DIR=${fs} XDG_DATA_HOME=${other}`;
      const script = [
        `mount -t tmpfs -o size=64k,mode=0700 tmpfs ${fs}`,
        `dd if=/dev/zero of=${fs}/filler bs=4k 2>/dev/null || true`,
        `export ${env}`,
        `${RYOUIKI} tenkai --path ${testRootfs()} --command true; echo "tenkai $?" >&2`,
        `${RYOUIKI} start --path ${testRootfs()} --command 'sleep 60'; echo "start $?" >&2`,
        `rm ${fs}/filler; ${RYOUIKI} ps -a -q | xargs -r ${RYOUIKI} rm -f >/dev/null; ls -A ${fs}/ryouiki/run 2>/dev/null || true`,
      ].join('\n');
      const outcome = await ending('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script]);
      const lines = outcome.stderr.split('\n').filter(Boolean);
      expect(lines.filter((line) => /^(tenkai|start) /.test(line))).toEqual(['tenkai 125', 'start 125']);
      for (const line of lines.filter((text) => !/^(tenkai|start) /.test(text))) expect(line).toMatch(/^ryouiki: /);
      expect(outcome.stdout).toBe('');
      expect(leftovers()).toEqual([]);
    }
  }, 120_000);

  it('a damaged state.json: ps lists it as damaged, rm -f removes it and kills what it can find, the others are untouched', async () => {
    const store = newStore();
    const damaged = (await run(RYOUIKI, startArgs(store, 'sleep 600'))).stdout.trim();
    const healthy = (await run(RYOUIKI, startArgs(store, 'sleep 600'))).stdout.trim();
    await waitForStatus(store, damaged, 'running');
    const statePath = join(store, 'run', damaged, 'state.json');
    const supervisor = (JSON.parse(readFileSync(statePath, 'utf8')) as { monitor: { pid: number } }).monitor.pid;
    writeFileSync(statePath, readFileSync(statePath, 'utf8').slice(0, 40));
    try {
      for (const args of [[], ['-a'], ['--json']]) {
        const out = await inStore(store, 'ps', args);
        expect(out.exitCode).toBe(0);
        expect(out.stdout).toContain(healthy.slice(0, 12));
      }
      expect((await inStore(store, 'rm', ['-f', damaged])).exitCode).toBe(0);
      expect((await psEntry(store, healthy))?.status).toBe('running');
      expect(existsSync(join(store, 'run', damaged))).toBe(false);
    } finally {
      // Without a fix, nothing else would end it: the container dies with its supervisor.
      if (leftovers().some((p) => p.pid === supervisor)) process.kill(supervisor, 'SIGKILL');
    }
    expect((await inStore(store, 'rm', ['-f', healthy])).exitCode).toBe(0);
    await expectSwept(store);
  }, 120_000);

  it('ulimit -f 8: start ends with one line, 125, nothing left, no state.json.<pid>.tmp', async () => {
    const store = newStore();
    const outcome = await ending('sh', [
      '-c',
      `ulimit -f 8; exec ${RYOUIKI} ${startArgs(store, 'sleep 60')
        .map((arg) => `'${arg}'`)
        .join(' ')}`,
    ]);
    if (outcome.exitCode !== 0) expectOneClearLine(outcome);
    await expectSwept(store);
    expect(readdirSync(store, { recursive: true }).filter((name) => String(name).includes('.tmp'))).toEqual([]);
  }, 120_000);
});
