import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, waitFor } from './harness.js';
import { inStore, nodeProcessesOf, psAll, runtimeEntries, startDetached } from './detached-harness.js';

const work = makeTempDir('detached-scale');
afterAll(() => removeDir(work));

describe('many detached containers', () => {
  it('50 starts in parallel give 50 containers with intact state and complete logs; rm of all empties the state folder', async () => {
    const store = join(work, 'store');
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => startDetached(store, ['--name', `c${i}`, '--command', `i=0; while [ $i -lt 200 ]; do echo "c${i} $i"; i=$((i+1)); done; echo done; sleep 600`])),
    );
    expect(new Set(ids).size).toBe(50);
    const entries = await psAll(store);
    expect(entries.map((entry) => entry.id).sort()).toEqual([...ids].sort());
    for (const entry of entries) {
      const state = JSON.parse(readFileSync(join(store, 'run', entry.id, 'state.json'), 'utf8')) as { id: string; status: string };
      expect(state).toMatchObject({ id: entry.id, status: 'running' });
    }
    for (const entry of entries) {
      await waitFor(() => (readFileSync(entry.logPath, 'utf8').includes(' stdout F done\n') ? true : undefined), `the log of ${entry.name}`, 20000);
      const lines = readFileSync(entry.logPath, 'utf8')
        .trim()
        .split('\n')
        .map((record) => record.split(' ').slice(3).join(' '));
      expect(lines).toEqual([...Array.from({ length: 200 }, (_, i) => `${entry.name} ${i}`), 'done']);
    }
    const rm = await inStore(store, 'rm', ['-f', ...ids]);
    expect(rm.exitCode).toBe(0);
    expect(runtimeEntries(store)).toEqual([]);
    await expectNoLeftovers();
    await waitFor(() => (nodeProcessesOf(store).length === 0 ? true : undefined), 'the exit commands to end', 30000);
  }, 180000);
});
