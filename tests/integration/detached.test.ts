import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { listProcessLogPids, parseProcessLogLine, readProcessLog } from '@ryouiki/logs';
import { collect, expectNoLeftovers, leftovers, liveProcesses, startRyouiki, testRootfs, waitFor } from './harness.js';
import { inStore, nodeProcessesOf, psAll, residentKib, runtimeEntries, startDetached, useStores, waitForStatus } from './detached-harness.js';

const { work, newStore } = useStores('detached');

/** The log text of one container, read straight from its file. */
function logText(store: string, id: string): string | undefined {
  try {
    return readFileSync(join(store, 'logs', `${id}.log`), 'utf8');
  } catch {
    return undefined;
  }
}

describe('ryouiki start', () => {
  it("gives the command exactly the env file's environment, and shows the values in no process list", async () => {
    const store = newStore();
    const envFile = join(work, 'detached-secret.env');
    writeFileSync(envFile, 'PATH=/bin\nTOKEN=detached-secret-8181\n');
    const id = await startDetached(store, ['--env', envFile, '--command', 'env | sort; sleep 8181']);
    await waitFor(() => (logText(store, id)?.includes('TOKEN=') ? true : undefined), 'the environment in the log');
    const logged = (logText(store, id) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').slice(3).join(' '));
    expect(logged.filter((entry) => !/^(PWD|SHLVL)=/.test(entry))).toEqual(['PATH=/bin', 'TOKEN=detached-secret-8181']);
    expect(leftovers().filter((p) => p.cmdline.includes('detached-secret-8181'))).toEqual([]);
    // The monitor read the environment's file and removed it.
    expect(existsSync(join(store, 'run', 'files', id, 'helper.env'))).toBe(false);
    expect((await inStore(store, 'rm', ['-f', id])).exitCode).toBe(0);
    await expectNoLeftovers('sleep 8181');
  });

  it('starts a container detached under a small supervisor, and stop, logs and rm work on it', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--name', 'web', '--command', 'echo hello; echo oops >&2; trap "echo bye; exit 3" TERM; while :; do sleep 0.05; done']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const [entry] = await psAll(store);
    expect(entry).toMatchObject({ id, name: 'web', status: 'running' });
    expect(nodeProcessesOf(store)).toEqual([]);
    expect(residentKib(entry!.monitor!.pid)).toBeLessThanOrEqual(2048);
    const table = await inStore(store, 'ps');
    expect(table.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\s+PID$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+\\S+\\s+echo hello.*\\s+(Less than a second|\\d+ seconds?) ago\\s+running\\s+web\\s+${entry!.pid}$`));

    const stop = await inStore(store, 'stop', ['web']);
    expect(stop).toMatchObject({ exitCode: 0, stdout: 'web\n' });
    const stopped = (await psAll(store))[0]!;
    expect(stopped).toMatchObject({ status: 'stopped', exitCode: 3, exitReason: 'exit' });
    expect((await inStore(store, 'ps')).stdout.split('\n').filter((line) => line !== '')).toHaveLength(1);

    const logs = await inStore(store, 'logs', [id.slice(0, 4)]);
    expect(logs.stdout).toBe('hello\nbye\n');
    expect(logs.stderr).toBe('oops\n');
    const records = readFileSync(stopped.logPath, 'utf8').trim().split('\n');
    expect(records[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F hello$/);
    expect(records).toContainEqual(expect.stringMatching(/ stderr F oops$/));

    const pid = stopped.pid!;
    const command = 'echo hello; echo oops >&2; trap "echo bye; exit 3" TERM; while :; do sleep 0.05; done';
    expect(readProcessLog(store, pid)?.map((line) => parseProcessLogLine(line))).toEqual([
      { command, pid, status: 'started', time: expect.stringMatching(/\.\d{3}Z$/), run: expect.any(String), owner: expect.any(String) },
      { command, pid, status: 'failed', exitCode: 3, time: expect.stringMatching(/\.\d{3}Z$/), run: expect.any(String) },
    ]);
    expect((await inStore(store, 'inspect', ['--pid', String(pid)])).stdout.split('\n').filter(Boolean)).toHaveLength(2);

    const inspected = await inStore(store, 'inspect', ['web']);
    expect(JSON.parse(inspected.stdout)).toEqual([expect.objectContaining({ id, name: 'web', status: 'stopped', exitCode: 3, pid })]);
    expect(await inStore(store, 'rm', [id])).toMatchObject({ exitCode: 0, stdout: `${id}\n` });
    expect(runtimeEntries(store)).toEqual([]);
    expect(existsSync(stopped.logPath)).toBe(false);
    expect(listProcessLogPids(store)).toEqual([pid]);
  });

  it('reports a command that cannot run like tenkai does, and leaves nothing behind', async () => {
    const store = newStore();
    const out = await inStore(store, 'start', ['--path', testRootfs(), '--', '/nope']);
    expect(out.exitCode).toBe(127);
    expect(out.stderr).toBe('ryouiki: exec: /nope: No such file or directory\n');
    expect(out.stdout).toBe('');
    expect(runtimeEntries(store)).toEqual([]);
  });

  it('records exit codes: wait prints them, kill sends signals, --rm removes the container when it ends', async () => {
    const store = newStore();
    const quick = await startDetached(store, ['--command', 'exit 7']);
    const killed = await startDetached(store, ['--', 'sleep', '600']);
    const removed = await startDetached(store, ['--rm', '--command', 'sleep 0.2']);
    const alarmed = await startDetached(store, ['--command', 'trap "exit 5" ALRM; echo ready; while :; do sleep 0.05; done']);
    expect(await inStore(store, 'kill', ['-s', 'TERM', killed.slice(0, 8)])).toMatchObject({ exitCode: 0 });
    await waitFor(() => ((logText(store, alarmed) ?? '').includes('ready') ? true : undefined), 'the trap to be set');
    // SIGALRM is not one the init forwards: it goes to the command itself.
    expect(await inStore(store, 'kill', ['-s', 'SIGALRM', alarmed])).toMatchObject({ exitCode: 0 });
    const wait = await inStore(store, 'wait', [quick, killed, alarmed]);
    expect(wait).toMatchObject({ exitCode: 0, stdout: '7\n143\n5\n' });
    await waitFor(() => (runtimeEntries(store).includes(removed) ? undefined : true), 'the --rm container to be removed');
    const entries = await psAll(store);
    expect(entries.map((entry) => [entry.id, entry.status, entry.exitCode, entry.exitReason])).toEqual([
      [quick, 'stopped', 7, 'exit'],
      [killed, 'stopped', 143, 'signal'],
      [alarmed, 'stopped', 5, 'exit'],
    ]);
    expect(await inStore(store, 'rm', [quick, killed, alarmed])).toMatchObject({ exitCode: 0 });
  });

  it('refuses unknown ids, short prefixes, exec-less states and rm of a running container, changing nothing', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--name', 'keep', '--', 'sleep', '600']);
    const before = JSON.stringify(await psAll(store));
    const unknown = await inStore(store, 'stop', ['ffffffffffff0000']);
    expect(unknown).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: no container ffffffffffff0000: list them with ryouiki ps -a\n' });
    const short = await inStore(store, 'logs', [id.slice(0, 3)]);
    expect(short).toMatchObject({ exitCode: 125, stderr: `ryouiki: no container ${id.slice(0, 3)} (an id prefix needs at least 4 digits): list them with ryouiki ps -a\n` });
    const running = await inStore(store, 'rm', ['keep']);
    expect(running).toMatchObject({ exitCode: 125, stderr: 'ryouiki: container keep is running: stop it first, or use ryouiki rm -f\n' });
    const badName = await inStore(store, 'start', ['--path', testRootfs(), '--name', 'no/slash', '--', 'true']);
    expect(badName).toMatchObject({ exitCode: 125, stderr: 'ryouiki: the name "no/slash" is not valid: use letters, digits, _ . and -, starting with a letter or digit: see ryouiki start --help\n' });
    const badSize = await inStore(store, 'start', ['--path', testRootfs(), '--log-max-size', 'ten', '--', 'true']);
    expect(badSize).toMatchObject({ exitCode: 125, stderr: 'ryouiki: --log-max-size takes a size such as 10m or 1048576, got "ten"\n' });
    const taken = await inStore(store, 'start', ['--path', testRootfs(), '--name', 'keep', '--', 'true']);
    expect(taken).toMatchObject({ exitCode: 125, stderr: `ryouiki: the name keep is already used by container ${id.slice(0, 12)}: choose another, or remove that one with ryouiki rm keep\n` });
    const mixed = await inStore(store, 'kill', ['-s', 'NOSUCH', 'keep']);
    expect(mixed).toMatchObject({ exitCode: 125, stderr: 'ryouiki: unknown signal NOSUCH: give a name such as TERM or KILL, or a number\n' });
    expect(JSON.stringify(await psAll(store))).toBe(before);
    expect(await inStore(store, 'rm', ['-f', 'keep'])).toMatchObject({ exitCode: 0, stdout: 'keep\n' });
    expect(runtimeEntries(store)).toEqual([]);
    const gone = await inStore(store, 'kill', ['keep']);
    expect(gone).toMatchObject({ exitCode: 125, stderr: 'ryouiki: no container keep: list them with ryouiki ps -a\n' });
  });

  it('gives a name to one of two starts at the same moment, and a clear error to the other', async () => {
    const store = newStore();
    const args = ['start', '--root', store, '--path', testRootfs(), '--name', 'twin', '--', 'sleep', '600'];
    const results = await Promise.all([collect(startRyouiki(args)), collect(startRyouiki(args))]);
    const codes = results.map((result) => result.exitCode).sort();
    expect(codes).toEqual([0, 125]);
    const loser = results.find((result) => result.exitCode === 125)!;
    expect(loser.stderr).toMatch(/^ryouiki: the name twin is (already used by container [0-9a-f]{12}|being taken by another start): .*\n$/);
    const entries = await psAll(store);
    expect(entries.map((entry) => entry.name)).toEqual(['twin']);
    expect(await inStore(store, 'rm', ['-f', 'twin'])).toMatchObject({ exitCode: 0 });
    expect(runtimeEntries(store)).toEqual([]);
  });
});

describe('state left by a crash or a reboot', () => {
  it('is never reported as running: a dead supervisor, another boot, an abandoned start', async () => {
    const store = newStore();
    const template = await startDetached(store, ['--command', 'exit 0']);
    await waitForStatus(store, template, 'stopped');
    const state = JSON.parse(readFileSync(join(store, 'run', template, 'state.json'), 'utf8')) as Record<string, unknown>;
    // This very process, alive, under a different start time (a reused PID) or from another boot.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const self = { pid: process.pid, startTime: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };
    const cases: Record<string, Record<string, unknown>> = {
      ['a'.repeat(64)]: { status: 'running', monitor: { ...self, startTime: '1' } },
      ['b'.repeat(64)]: { status: 'running', monitor: { ...self, bootId: 'another-boot' } },
      ['c'.repeat(64)]: { status: 'created', monitor: undefined, creator: { ...self, startTime: '1' } },
    };
    for (const [id, fields] of Object.entries(cases)) {
      mkdirSync(join(store, 'run', id));
      const { exitCode: _exitCode, exitReason: _exitReason, finishedAt: _finishedAt, ...rest } = state;
      writeFileSync(join(store, 'run', id, 'state.json'), JSON.stringify({ ...rest, ...fields, id, name: id.slice(0, 12) }));
    }
    const entries = await psAll(store);
    expect(entries.filter((entry) => entry.id !== template).map((entry) => [entry.id[0], entry.status, entry.exitCode, entry.exitReason])).toEqual([
      ['a', 'stopped', null, 'unknown'],
      ['b', 'stopped', null, 'unknown'],
      ['c', 'stopped', null, 'aborted'],
    ]);
    expect((await inStore(store, 'ps')).stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('the supervisor', () => {
  it('killed with SIGKILL, takes the container with it; ps reports it stopped with an unknown exit', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--', 'sleep', '4545']);
    const [entry] = await psAll(store);
    process.kill(entry!.monitor!.pid, 'SIGKILL');
    await expectNoLeftovers('sleep 4545');
    const stopped = await waitForStatus(store, id, 'stopped');
    expect(stopped).toMatchObject({ exitCode: null, exitReason: 'unknown' });
    expect((await inStore(store, 'ps', ['-a'])).stdout).toMatch(/stopped \(exit unknown\)/);
    expect((await inStore(store, 'wait', [id])).stdout).toBe('-1\n');
    await inStore(store, 'rm', [id]);
  });

  it('leaves no process and no running container when ryouiki start is killed during startup', async () => {
    const store = newStore();
    for (const delay of [0, 20, 40, 60, 80, 120, 180, 240, 300]) {
      const child = startRyouiki(['start', '--root', store, '--path', testRootfs(), '--', 'sleep', '4646']);
      const outcome = collect(child);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await outcome;
    }
    // A start killed after its supervisor took the container over (or that finished first) rightly
    // leaves it running: each container reported running must really run. Those go with rm -f.
    const initAlive = (pid: number | undefined): boolean => liveProcesses().some((p) => p.pid === pid && p.comm === 'ryouiki-init');
    let running = (await psAll(store)).filter((entry) => entry.status === 'running');
    // A supervisor left without its acknowledgement may still be taking its container down: let it settle.
    for (let tries = 0; tries < 50 && !running.every((entry) => initAlive(entry.pid)); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = (await psAll(store)).filter((entry) => entry.status === 'running');
    }
    for (const entry of running) expect(initAlive(entry.pid)).toBe(true);
    if (running.length > 0) expect((await inStore(store, 'rm', ['-f', ...running.map((entry) => entry.id)])).exitCode).toBe(0);
    await expectNoLeftovers('sleep 4646');
    await waitFor(() => (leftovers().length === 0 ? true : undefined), 'supervisors to end');
    const entries = await psAll(store);
    // Every other one was cut short and is recorded so.
    for (const entry of entries) expect(entry.status).not.toBe('running');
    const out = await inStore(store, 'rm', ['-f', ...entries.map((entry) => entry.id)]);
    if (entries.length > 0) expect(out.exitCode).toBe(0);
    // Whatever a killed start had begun was recorded with its first state, and went with rm -f.
    expect(runtimeEntries(store)).toEqual([]);
    for (const entry of entries) expect(existsSync(join(store, 'run', entry.id))).toBe(false);
  });
});
