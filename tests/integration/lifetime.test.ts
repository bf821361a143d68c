import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { listProcessLogPids } from '@ryouiki/logs';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, startRyouiki, testRootfs, waitFor } from './harness.js';

const work = makeTempDir('lifetime');
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

describe("a foreground container's lifetime", () => {
  it('dies with its ryouiki process, even on SIGKILL', async () => {
    const store = join(work, 'kill');
    const marker = 'sleep 4242';
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--command', `${marker}; echo not reached`]);
    const outcome = collect(child);
    await waitFor(() => (leftovers(marker).some((p) => p.comm === 'sleep') ? true : undefined), 'the container command to run');
    child.kill('SIGKILL');
    const result = await outcome;
    expect(result.signal).toBe('SIGKILL');
    await expectNoLeftovers(marker);
    expect(listProcessLogPids(store)).toHaveLength(1);
  });

  it('forwards SIGTERM to the command and exits with its code', async () => {
    const store = join(work, 'term');
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--command', 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.05; done']);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const outcome = collect(child);
    await waitFor(() => (stdout.includes('ready') ? true : undefined), 'the container to be ready');
    child.kill('SIGTERM');
    const result = await outcome;
    expect(result.exitCode).toBe(3);
    expect(stdout).toBe('ready\ngot-term\n');
  });

  it('exits 128+N when the command dies of a signal sent from outside', async () => {
    const store = join(work, 'outside-kill');
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--', 'sleep', '4343']);
    const outcome = collect(child);
    const sleeper = await waitFor(() => leftovers('sleep 4343').find((p) => p.comm === 'sleep'), 'the command to run');
    process.kill(sleeper.pid, 'SIGKILL');
    expect((await outcome).exitCode).toBe(137);
  });
});
