import { expect, it } from '@jest/globals';
import { describeIf, missingDelegation } from './cgroup-harness.js';
import { ryouiki, testRootfs } from './harness.js';
import { inStore, useStores } from './detached-harness.js';

// make check-undelegated runs this file with nothing delegated to the test user.
const suite = describeIf(missingDelegation().length === 0 ? ['a caller without delegated cgroups (it has them)'] : [], 'these tests need an undelegated user');
const { newStore } = useStores('cli-stats-undelegated');

suite('ryouiki stats without delegated cgroups', () => {
  it('says why it shows no container, and how to get delegation', async () => {
    const store = newStore();
    const started = await ryouiki(['start', '--name', 'plain', '--root', store, '--network', 'none', '--path', testRootfs(), 'sleep', '300']);
    expect(started.exitCode).toBe(0);
    const all = await inStore(store, 'stats');
    expect(all.exitCode).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(all.stderr).toMatch(
      /^ryouiki: stats shows no container: containers get no cgroup here, and their stats come from it: no cgroup is delegated to you \(.+ is not writable by you\): get a delegated cgroup \(systemd-run --user --scope -p Delegate=yes \.\.\., or a cgroup folder an administrator chowns to you\)\n$/,
    );
    const named = await inStore(store, 'stats', ['plain']);
    expect(named.exitCode).toBe(125);
    expect(named.stderr).toMatch(/^ryouiki: no stats for [0-9a-f]{64}: containers get no cgroup here, .*chowns to you\)\n$/);
  });
});
