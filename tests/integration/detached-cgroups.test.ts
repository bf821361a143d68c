import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { cgroupsBelow, describeIf, makeTestCgroupParent, missingDelegation, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { inStore, startDetached, waitForStatus } from './detached-harness.js';
import { expectNoLeftovers, makeTempDir, removeDir, testRootfs } from './harness.js';

const suite = describeIf(missingDelegation(), 'the test user needs delegated cgroups');
const work = makeTempDir('detached-cgroups');
let parent: TestCgroupParent;

beforeAll(() => {
  if (missingDelegation().length === 0) parent = makeTestCgroupParent();
});
afterAll(() => {
  if (parent !== undefined) removeTestCgroupParent(parent);
  removeDir(work);
});

suite('limits on detached containers', () => {
  it('puts a started container in its cgroup with its limit, and removes the cgroup when it is stopped', async () => {
    const store = join(work, 'limits');
    const id = await startDetached(store, ['--cgroup-parent', parent.name, '--pids-limit', '20', '--', 'sleep', '6161']);
    const folders = cgroupsBelow(parent);
    expect(folders.length).toBeGreaterThan(0);
    const pidsFolder = folders.find((folder) => existsSync(join(folder, 'pids.max')));
    expect(pidsFolder).toBeDefined();
    expect(readFileSync(join(pidsFolder!, 'pids.max'), 'utf8').trim()).toBe('20');
    const state = JSON.parse((await inStore(store, 'inspect', [id])).stdout) as Array<{ resources: Array<{ kind: string }> }>;
    expect(state[0]?.resources.map((resource) => resource.kind)).toContain('cgroup');
    expect((await inStore(store, 'stop', ['-t', '1', id])).exitCode).toBe(0);
    await waitForStatus(store, id, 'stopped');
    await inStore(store, 'rm', [id]);
    expect(cgroupsBelow(parent)).toEqual([]);
    await expectNoLeftovers('sleep 6161');
  });

  it('refuses a limit that cannot be enforced before anything starts', async () => {
    const store = join(work, 'refused');
    const out = await inStore(store, 'start', ['--path', testRootfs(), '--cgroups', 'disabled', '--memory', '32m', '--', 'sleep', '6262']);
    expect(out.exitCode).toBe(125);
    expect(out.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(out.stderr).toMatch(/^ryouiki: .*memory/);
    expect(JSON.parse((await inStore(store, 'ps', ['-a', '--json'])).stdout)).toEqual([]);
    await expectNoLeftovers('sleep 6262');
  });
});
