import { describe, expect, it } from '@jest/globals';
import { inStore, startDetached, useStores, waitForStatus, type PsEntry } from './detached-harness.js';

const { newStore } = useStores('detached-json');

async function json<T>(store: string, command: string, args: string[]): Promise<T> {
  const out = await inStore(store, command, ['--json', ...args]);
  if (out.exitCode !== 0) throw new Error(`${command} --json failed (${out.exitCode}): ${out.stderr}`);
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as T;
}

describe('--json gives what the library returns', () => {
  it('wait, logs and rm', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--command', 'echo out; echo err >&2; exit 3']);
    const waited = await json<PsEntry[]>(store, 'wait', [id.slice(0, 12)]);
    expect(waited).toEqual([expect.objectContaining({ id, status: 'stopped', exitCode: 3 })]);
    const lines = await json<Array<{ time: string; stream: string; text: string; newline: boolean }>>(store, 'logs', [id]);
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), stream: 'stdout', text: 'out', newline: true },
        { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), stream: 'stderr', text: 'err', newline: true },
      ]),
    );
    expect(await json<string[]>(store, 'logs', ['--tail', '0', id])).toEqual([]);
    const following = await inStore(store, 'logs', ['--json', '-f', id]);
    expect(following.exitCode).toBe(125);
    expect(following.stderr).toMatch(/^ryouiki: .*--json.*\n$/);
    expect(await json<string[]>(store, 'rm', [id.slice(0, 12)])).toEqual([id]);
    const gone = await inStore(store, 'wait', ['--json', id]);
    expect(gone).toMatchObject({ exitCode: 125, stdout: '' });
    expect(gone.stderr).toMatch(/^ryouiki: [^\n]*\n$/);
  });

  it('kill and stop, while the human output stays the ids as given', async () => {
    const store = newStore();
    const killed = await startDetached(store, ['--name', 'killed', '--command', 'sleep 100']);
    const stopped = await startDetached(store, ['--name', 'stopped', '--command', 'sleep 100']);
    await waitForStatus(store, killed, 'running');
    await waitForStatus(store, stopped, 'running');
    expect(await json<PsEntry[]>(store, 'kill', ['killed'])).toEqual([expect.objectContaining({ id: killed, name: 'killed', status: 'running' })]);
    expect(await json<PsEntry[]>(store, 'wait', ['killed'])).toEqual([expect.objectContaining({ id: killed, status: 'stopped', exitCode: 137 })]);
    expect(await json<PsEntry[]>(store, 'stop', ['-t', '1', 'stopped'])).toEqual([expect.objectContaining({ id: stopped, name: 'stopped', status: 'stopped' })]);
    const removed = await inStore(store, 'rm', ['killed', 'stopped']);
    expect(removed).toMatchObject({ exitCode: 0, stdout: 'killed\nstopped\n', stderr: '' });
  });

  it('takes --debug as a global flag without changing what a command does', async () => {
    const store = newStore();
    const out = await inStore(store, 'ps', ['--debug', '-a', '--json']);
    expect(out).toMatchObject({ exitCode: 0, stdout: '[]\n', stderr: '' });
    const missing = await inStore(store, 'rm', ['--debug', 'nothing-here']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });
});
