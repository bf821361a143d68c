import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from '@jest/globals';
import { listProcessLogPids, readProcessLog } from '@ryouiki/logs';
import { describeIf, missingDelegation } from './cgroup-harness.js';
import { expectNoLeftovers, makeTempDir, removeDir, tenkai } from './harness.js';

// make check-undelegated runs this file with nothing delegated to the test user.
const delegated = missingDelegation().length === 0;
const suite = describeIf(delegated ? ['a caller without delegated cgroups (it has them)'] : [], 'these tests need an undelegated user');
const work = makeTempDir('undelegated');
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

suite('cgroups of a user without delegation', () => {
  it.each([
    [['--memory', '32m'], '--memory', 'memory'],
    [['--memory', '32m', '--memory-swap', '64m'], '--memory', 'memory'],
    [['--pids-limit', '20'], '--pids-limit', 'pids'],
    [['--cpus', '0.5'], '--cpus', 'cpu'],
    [['--cpu-weight', '50'], '--cpu-weight', 'cpu'],
  ])('refuses %j before starting anything, exit 125', async (flags, flag, controller) => {
    const store = join(work, `refused-${flag}`);
    const result = await tenkai(store, [...flags, '--', 'true']);
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe('');
    const line = `ryouiki: ${flag} cannot be enforced: the ${controller} cgroup controller is not delegated to you (`;
    expect(result.stderr.startsWith(line)).toBe(true);
    expect(result.stderr).toMatch(/\): get a delegated cgroup \(systemd-run --user --scope -p Delegate=yes \.\.\., or a cgroup folder an administrator chowns to you\), or drop --[a-z-]+\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(listProcessLogPids(store)).toEqual([]);
  });

  it('runs a container without limits, and records that it had no cgroup', async () => {
    const store = join(work, 'plain');
    const result = await tenkai(store, ['--', 'echo', 'ran']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ran\n', stderr: '' });
    const [pid] = listProcessLogPids(store);
    expect(readProcessLog(store, pid ?? 0)?.at(-1)).toMatch(/,done,0,[^,]+,no-cgroup,[^,]+$/);
  });
});
