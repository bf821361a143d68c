import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { containerLog } from '@ryouiki/core';
import { collect, startRyouiki, waitFor } from './harness.js';
import { inStore, psAll, startDetached, useStores, waitForStatus } from './detached-harness.js';

const { newStore } = useStores('detached-logs');

describe('ryouiki logs', () => {
  it('reads and follows a log from the library as an async iterable', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--command', 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three']);
    const followed: string[] = [];
    for await (const record of containerLog(id, { root: store, follow: true })) followed.push(`${record.stream} ${record.content}`);
    expect(followed).toEqual(['stdout one', 'stderr two', 'stdout three']);
    const read: string[] = [];
    for await (const record of containerLog(id, { root: store })) read.push(record.content);
    expect(read).toEqual(['one', 'two', 'three']);
    await inStore(store, 'rm', [id]);
  });

  it('-f prints lines as they are written, and ends when the container stops', async () => {
    const store = newStore();
    const flag = `/tmp/go-${process.pid}-${Date.now()}`;
    const id = await startDetached(store, ['--command', `echo first; printf 'part'; while [ ! -e ${flag} ]; do sleep 0.05; done; echo ial; echo second >&2; rm ${flag}`]);
    const follower = startRyouiki(['logs', '-f', '--root', store, id]);
    let stdout = '';
    follower.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const outcome = collect(follower);
    await waitFor(() => (stdout === 'first\npart' ? true : undefined), 'logs -f to show the first line and the partial one', 15000);
    expect((await inStore(store, 'exec', [id, '--', 'touch', flag])).exitCode).toBe(0);
    const result = await outcome;
    expect(result).toMatchObject({ exitCode: 0, stderr: 'second\n' });
    expect(stdout).toBe('first\npartial\n');
    const records = readFileSync((await psAll(store))[0]!.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(1).join(' '));
    expect(records).toEqual(['stdout F first', 'stdout P part', 'stdout F ial', 'stderr F second']);
    await inStore(store, 'rm', [id]);
  });

  it('--tail, --since and --timestamps pick and mark lines', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--command', 'for i in 1 2 3 4 5; do echo line $i; done']);
    await waitForStatus(store, id, 'stopped');
    expect((await inStore(store, 'logs', ['--tail', '2', id])).stdout).toBe('line 4\nline 5\n');
    expect((await inStore(store, 'logs', ['--tail', '0', id])).stdout).toBe('');
    expect((await inStore(store, 'logs', ['--since', '1h', id])).stdout.split('\n')).toHaveLength(6);
    expect((await inStore(store, 'logs', ['--since', '2999-01-01T00:00:00Z', id])).stdout).toBe('');
    expect((await inStore(store, 'logs', ['-t', '--tail', '1', id])).stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z line 5\n$/);
    const bad = await inStore(store, 'logs', ['--since', 'yesterday', id]);
    expect(bad).toMatchObject({ exitCode: 125, stderr: 'ryouiki: --since takes a time such as 2026-01-02T15:04:05Z or a duration such as 10m, got "yesterday"\n' });
    await inStore(store, 'rm', [id]);
  });

  it('rotates a log of over 100 MiB by size, losing no line and cutting none', async () => {
    const store = newStore();
    const lines = 1_100_000;
    const id = await startDetached(store, ['--log-max-size', '10m', '--command', `awk 'BEGIN { for (i = 1; i <= ${lines}; i++) printf "%08d %s\\n", i, "${'x'.repeat(90)}" }'`]);
    const stopped = await waitForStatus(store, id, 'stopped', 90_000);
    expect(stopped.exitCode).toBe(0);
    const kept = [readFileSync(`${stopped.logPath}.1`, 'utf8'), readFileSync(stopped.logPath, 'utf8')].join('').trim().split('\n');
    const size = readFileSync(stopped.logPath).length;
    expect(size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const numbers = kept.map((record) => {
      const match = /^\S+ stdout F (\d{8}) x{90}$/.exec(record);
      if (match === null) throw new Error(`a cut or foreign record: ${record.slice(0, 80)}`);
      return Number(match[1]);
    });
    expect(numbers[numbers.length - 1]).toBe(lines);
    expect(numbers.every((number, index) => index === 0 || number === numbers[index - 1]! + 1)).toBe(true);
    const tail = await inStore(store, 'logs', ['--tail', '10', id]);
    const expected = Array.from({ length: 10 }, (_, i) => `${String(lines - 9 + i).padStart(8, '0')} ${'x'.repeat(90)}\n`).join('');
    expect(tail.stdout).toBe(expected);
    await inStore(store, 'rm', [id]);
  }, 120_000);
});
