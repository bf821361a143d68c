import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { cgroupsBelow, describeIf, makeTestCgroupParent, missingDelegation, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { inStore, startDetached, waitForStatus } from './detached-harness.js';
import { collect, expectNoLeftovers, liveProcesses, makeTempDir, removeDir, startRyouiki, testRootfs, waitFor } from './harness.js';

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
    const state = JSON.parse((await inStore(store, 'inspect', [id])).stdout) as Array<{ name: string; resources: Array<{ kind: string }> }>;
    expect(state[0]?.resources.map((resource) => resource.kind)).toContain('cgroup');
    const byName = await inStore(store, 'stats', ['--cgroup-parent', parent.name, '--json', state[0]!.name]);
    expect(byName.exitCode).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject([{ id, stats: { pids: { limit: 20 } } }]);
    expect((await inStore(store, 'stop', ['-t', '1', id])).exitCode).toBe(0);
    await waitForStatus(store, id, 'stopped');
    await inStore(store, 'rm', [id]);
    expect(cgroupsBelow(parent)).toEqual([]);
    await expectNoLeftovers('sleep 6161');
  });

  it("puts an exec'd program in the container's cgroup", async () => {
    const store = join(work, 'exec');
    const id = await startDetached(store, ['--cgroup-parent', parent.name, '--', 'sleep', '6363']);
    // Read inside the container's cgroup namespace: the command's (sleep) cgroups, then the exec'd program's own.
    const script = 'for d in /proc/[0-9]*; do [ "$(cat $d/comm)" = sleep ] && cat $d/cgroup; done; echo --; cat /proc/self/cgroup';
    const out = await inStore(store, 'exec', [id, '--', 'sh', '-c', script]);
    expect(out).toMatchObject({ exitCode: 0, stderr: '' });
    const [command = '', exec = ''] = out.stdout.split('--\n');
    expect(command.trim()).not.toBe('');
    expect(exec).toBe(command);
    // And from the host: a running exec'd program is listed in every one of the container's cgroup folders.
    const folders = cgroupsBelow(parent);
    const child = startRyouiki(['exec', '--root', store, id, '--', 'sleep', '6464']);
    const running = collect(child);
    const execPid = await waitFor(() => liveProcesses().find((p) => p.cmdline === 'sleep 6464')?.pid, "the exec'd program to start");
    for (const folder of folders) expect(readFileSync(join(folder, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(execPid));
    child.kill('SIGTERM');
    await running;
    await inStore(store, 'rm', ['-f', id]);
    expect(cgroupsBelow(parent)).toEqual([]);
    await expectNoLeftovers('sleep 6363');
    await expectNoLeftovers('sleep 6464');
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
