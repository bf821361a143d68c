import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { restartContainer, start } from '@ryouiki/core';
import { readProcessLog } from '@ryouiki/logs';
import { fetchWhenUp, inStore, psAll, runtimeEntries, startDetached, useStores, waitForStatus, waitForText, type PsEntry } from './detached-harness.js';
import { expectNoLeftovers, freePort, leftovers, testRootfs, type Outcome } from './harness.js';

const { newStore } = useStores('detached-restart');

/** Prints its run's marker, exits 3 on SIGTERM, and serves its environment's X on 8080. */
const SERVE = 'echo "run $X"; trap "echo term; exit 3" TERM; mkdir -p /dev/shm/www; echo "x=$X" > /dev/shm/www/index.html; httpd -p 8080 -h /dev/shm/www; while :; do sleep 1; done';

async function entryOf(store: string, id: string): Promise<PsEntry> {
  const entry = (await psAll(store)).find((candidate) => candidate.id === id);
  if (entry === undefined) throw new Error(`container ${id} is gone`);
  return entry;
}

/** What the container wrote to its log, in order. */
function logText(entry: PsEntry): string[] {
  return readFileSync(entry.logPath, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ').slice(3).join(' '));
}

/** The numbers of the `line N` lines a container wrote to its terminal, in the order its log holds them. */
function lineNumbers(entry: PsEntry): number[] {
  const text = readFileSync(entry.logPath, 'utf8')
    .split('\n')
    .filter((record) => record !== '')
    .map((record) => {
      const [, , tag, ...content] = record.split(' ');
      return tag === 'P' ? content.join(' ') : `${content.join(' ')}\n`;
    })
    .join('');
  return [...text.matchAll(/line (\d+)/g)].map((match) => Number(match[1]));
}

/** 0, 1, ... n-1. */
function upTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** One line on stderr, naming what is wrong; nothing on stdout; exit 125. */
function expectOneLine(out: Outcome, message: RegExp): void {
  expect(out).toMatchObject({ exitCode: 125, stdout: '' });
  expect(out.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
  expect(out.stderr).toMatch(message);
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });
}

describe('ryouiki restart', () => {
  it('stops a running container and starts it again: the same id, name, environment and published port, the log going on', async () => {
    const store = newStore();
    const port = await freePort();
    const id = await startDetached(store, ['--name', 'web', '-p', `127.0.0.1:${port}:8080`, '-e', 'X=one', '--command', SERVE]);
    expect(await fetchWhenUp(`http://127.0.0.1:${port}/index.html`)).toBe('x=one\n');
    const before = await entryOf(store, id);
    const restarted = await inStore(store, 'restart', ['-t', '5', 'web']);
    expect(restarted).toMatchObject({ exitCode: 0, stdout: 'web\n', stderr: '' });
    const after = await entryOf(store, id);
    expect(after).toMatchObject({ id, name: 'web', status: 'running', logPath: before.logPath });
    expect(after.pid).not.toBe(before.pid);
    expect(await fetchWhenUp(`http://127.0.0.1:${port}/index.html`)).toBe('x=one\n');
    await waitForText(() => logText(after).join('\n'), 'run one\nterm\nrun one', 'the second run in the same log');
    // The first run's end is in the process log (exit 3 on SIGTERM), the second one's start after it.
    expect(readProcessLog(store, before.pid!)?.at(-1)).toMatch(/,failed,3,/);
    expect(readProcessLog(store, after.pid!)?.at(-1)).toMatch(/,started,/);
    const table = await inStore(store, 'ps', ['--format', '{{.Names}} {{.Ports}} {{.State}}']);
    expect(table.stdout).toBe(`web 127.0.0.1:${port}->8080/tcp running\n`);
    expect((await inStore(store, 'stop', ['-t', '5', id])).exitCode).toBe(0);
    expect(await entryOf(store, id)).toMatchObject({ status: 'stopped', exitCode: 3 });
    expect((await inStore(store, 'rm', [id])).exitCode).toBe(0);
    await expectNoLeftovers();
    expect(runtimeEntries(store)).toEqual([]);
  });

  it('starts a stopped container again, and kills one that ignores SIGTERM once -t has passed', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--network', 'none', '--command', 'echo up; trap "" TERM; while :; do sleep 1; done']);
    expect((await inStore(store, 'stop', ['-t', '1', id])).exitCode).toBe(0);
    expect(await entryOf(store, id)).toMatchObject({ status: 'stopped', exitCode: 137 });
    expect(await inStore(store, 'restart', [id.slice(0, 12)])).toMatchObject({ exitCode: 0, stdout: `${id.slice(0, 12)}\n` });
    const again = await entryOf(store, id);
    expect(again.status).toBe('running');
    expect(again.exitCode).toBeUndefined();
    await waitForText(() => logText(again).join('\n'), 'up\nup', 'the second run in the same log');
    // Ignoring SIGTERM, it is killed after -t seconds, and started again.
    expect(await inStore(store, 'restart', ['-t', '1', id])).toMatchObject({ exitCode: 0, stderr: '' });
    const third = await entryOf(store, id);
    expect(third.status).toBe('running');
    expect(third.pid).not.toBe(again.pid);
    expect(leftovers().filter((p) => p.comm === 'ryouiki-monitor')).toHaveLength(1);
  });

  it('restarts every container with -a, only the running ones with --running', async () => {
    const store = newStore();
    const running = await startDetached(store, ['--network', 'none', '--', 'sleep', '7171']);
    const stopped = await startDetached(store, ['--network', 'none', '--', 'sleep', '7172']);
    expect((await inStore(store, 'stop', ['-t', '0', stopped])).exitCode).toBe(0);
    expect(await inStore(store, 'restart', ['-a', '--running', '-t', '0'])).toMatchObject({ exitCode: 0, stdout: `${running}\n` });
    expect((await entryOf(store, stopped)).status).toBe('stopped');
    expect(await inStore(store, 'restart', ['-a', '-t', '0'])).toMatchObject({ exitCode: 0 });
    expect((await psAll(store)).map((entry) => entry.status)).toEqual(['running', 'running']);
  });

  it('leaves a container stopped, holding nothing, when it cannot start again (its port taken meanwhile)', async () => {
    const store = newStore();
    const port = await freePort();
    const id = await startDetached(store, ['-p', `127.0.0.1:${port}:8080`, '--', 'sleep', '7173']);
    expect((await inStore(store, 'stop', ['-t', '0', id])).exitCode).toBe(0);
    const squatter = await listen(port);
    try {
      const out = await inStore(store, 'restart', [id]);
      expectOneLine(out, new RegExp(`${port}`));
      expect(await entryOf(store, id)).toMatchObject({ status: 'stopped', exitCode: 125, exitReason: 'aborted' });
      await expectNoLeftovers('sleep 7173');
      expect(runtimeEntries(store).sort()).toEqual([id, 'names']);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect((await inStore(store, 'restart', [id])).exitCode).toBe(0);
    expect((await entryOf(store, id)).status).toBe('running');
  });

  it('refuses bad input with one line and exit 125, changing nothing', async () => {
    const store = newStore();
    expectOneLine(await inStore(store, 'restart', ['nosuch']), /^ryouiki: no container nosuch: list them with ryouiki ps -a\n$/);
    expectOneLine(await inStore(store, 'restart'), /^ryouiki: name the containers, or give --all: ryouiki restart/);
    const removed = await startDetached(store, ['--rm', '--network', 'none', '--', 'sleep', '7174']);
    expectOneLine(await inStore(store, 'restart', [removed]), /was started with --rm: it is removed once stopped, so it cannot be restarted; start a new one\n$/);
    expectOneLine(await inStore(store, 'restart', ['-t', 'soon', removed]), /--time/);
    const entry = await entryOf(store, removed);
    expect(entry.status).toBe('running');
    expect(leftovers('sleep 7174').filter((p) => p.comm === 'sleep')).toHaveLength(1);
  });
});

describe('ryouiki start CONTAINER, as podman start', () => {
  it('starts a stopped container again as it was, leaves a running one as it is, and refuses flags that would change it', async () => {
    const store = newStore();
    const stopped = await startDetached(store, ['--name', 'again', '--network', 'none', '--command', 'echo up; exec sleep 7176']);
    const running = await startDetached(store, ['--name', 'still', '--network', 'none', '--', 'sleep', '7177']);
    expect((await inStore(store, 'stop', ['-t', '0', 'again'])).exitCode).toBe(0);
    const before = await entryOf(store, running);
    expect(await inStore(store, 'start', ['again', 'still'])).toMatchObject({ exitCode: 0, stdout: 'again\nstill\n', stderr: '' });
    const again = await entryOf(store, stopped);
    expect(again).toMatchObject({ name: 'again', status: 'running' });
    await waitForText(() => logText(again).join('\n'), 'up\nup', 'the second run in the same log');
    expect((await entryOf(store, running)).pid).toBe(before.pid);
    expectOneLine(await inStore(store, 'start', ['-p', '8080:80', 'again']), /^ryouiki: ryouiki start CONTAINER\.\.\. takes no flags but --root \(got --publish\): /);
    // Neither a container nor an image: the seed's message. (A word that is no container is an image to run, as podman's run has it.)
    expectOneLine(await inStore(store, 'start', []), /^ryouiki: no container given: pass --path ROOTFS with a command, --image IMAGE, or --bundle DIR\n$/);
  });
});

describe('restart and the supervisor of the run that ended', () => {
  it("goes on once that supervisor's log is complete, without waiting for its exit command, losing no line of a terminal", async () => {
    const store = newStore();
    // Bursts of numbered lines on its terminal; SIGTERM is ignored, so the stop kills it.
    const command = 'trap "" TERM; i=0; while :; do j=0; while [ $j -lt 200 ]; do echo "line $i"; i=$((i+1)); j=$((j+1)); done; sleep 0.05; done';
    // The first run's supervisor runs this once its log is complete: it outlives the restart.
    const exitCommand = ['/bin/sh', '-c', 'exec sleep 7183', 'sh'];
    const container = await start({ rootfs: testRootfs(), command, tty: true, network: 'none' }, { root: store, exitCommand });
    const first = await entryOf(store, container.id);
    await waitForText(() => lineNumbers(first).join(' '), ' 1000 ', 'a thousand lines in the log');
    await restartContainer(container.id, 1, { root: store, exitCommand: [] });
    expect(
      leftovers('sleep 7183')
        .filter((p) => p.cmdline.startsWith('sleep 7183'))
        .map((p) => p.pid),
    ).toEqual([first.monitor?.pid]);
    const second = await entryOf(store, container.id);
    await waitForText(() => lineNumbers(second).join(' '), ' 0 1 2 3 ', "the second run's lines in the same log");
    await container.stop(0);
    process.kill(first.monitor?.pid ?? 0, 'SIGKILL');
    // Each run's lines in order, the first run's all before the second's (its last one possibly cut short by SIGKILL).
    const numbers = lineNumbers(second);
    const restartAt = numbers.indexOf(0, 1);
    const [before, after] = [numbers.slice(0, restartAt), numbers.slice(restartAt)];
    expect(before.slice(0, -1)).toEqual(upTo(before.length - 1));
    expect(String(before.length - 1).startsWith(String(before.at(-1)))).toBe(true);
    expect(after).toEqual(upTo(after.length));
    await container.remove({ force: true });
    await expectNoLeftovers('sleep 7183');
  });
});

describe('Container.restart()', () => {
  it('starts the container again with a new init, the same id and log', async () => {
    const store = newStore();
    const container = await start({ rootfs: testRootfs(), command: 'echo up; exec sleep 7175', name: 'lib', network: 'none' }, { root: store });
    const first = container.pid;
    await container.restart(0);
    expect(container.pid).not.toBe(first);
    const entry = await waitForStatus(store, container.id, 'running');
    expect(entry).toMatchObject({ name: 'lib', pid: container.pid });
    await waitForText(() => logText(entry).join('\n'), 'up\nup', 'both runs in the log');
    await container.remove({ force: true });
    await expectNoLeftovers('sleep 7175');
    expect(runtimeEntries(store)).toEqual([]);
  });
});
