import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { cgroupStats, findContainerCgroups, killCgroup, planContainer, run, type ContainerCgroups } from '@ryouiki/core/internal';
import { readProcessLog, listProcessLogPids } from '@ryouiki/logs';
import { cgroupsBelow, containerIdOf, describeIf, hierarchies, makeTestCgroupParent, missingDelegation, removeTestCgroupParent, type TestCgroupParent } from './cgroup-harness.js';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, ryouiki, startRyouiki, tenkai, testRootfs, waitFor, WAIT_SCALE, type LiveProcess } from './harness.js';

const suite = describeIf(missingDelegation(), 'the test user needs delegated cgroups');
const work = makeTempDir('cgroups');
let parent: TestCgroupParent;

beforeAll(() => {
  parent = makeTestCgroupParent();
});
afterAll(() => {
  removeTestCgroupParent(parent);
  removeDir(work);
});
afterEach(async () => {
  await expectNoLeftovers();
  expect(cgroupsBelow(parent)).toEqual([]);
});

function lastLogLine(store: string): string {
  const [pid] = listProcessLogPids(store);
  return readProcessLog(store, pid ?? 0)?.at(-1) ?? '';
}

function inCgroup(...args: string[]): string[] {
  return ['--cgroup-parent', parent.name, ...args];
}

/** Starts a container that runs until killed, and waits for its marked process and its cgroup. */
async function startLongRunning(store: string, marker: string, flags: string[], command: string) {
  const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, ...inCgroup(...flags), '--command', command]);
  const outcome = collect(child);
  const running = await waitFor(() => leftovers(marker).find((p) => p.comm === 'sleep'), 'the container command to run');
  // The folder the command is in: an earlier test's folder may still be on its way out.
  const id = containerIdOf(/\/ryouiki-[0-9a-f]{64}-\d+/.exec(readFileSync(`/proc/${running.pid}/cgroup`, 'utf8'))?.[0] ?? '');
  const cgroups = id === undefined ? undefined : findContainerCgroups(id, { parent: parent.name });
  if (cgroups === undefined) throw new Error('the running container has no cgroup');
  return { child, outcome, cgroups };
}

function pidsIn(cgroups: ContainerCgroups): number[] {
  const folder = cgroups.folders.find((f) => f.version === 2) ?? cgroups.folders[0];
  return readFileSync(join(folder?.dir ?? '', 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

suite('cgroups of a delegated user', () => {
  it('OOM-kills a container beyond --memory, exits 137 and records it', async () => {
    const store = join(work, 'oom');
    const result = await tenkai(store, inCgroup('--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'));
    expect(result.exitCode).toBe(137);
    expect(lastLogLine(store)).toMatch(/,failed,137,[^,]+,oom-killed,[^,]+$/);
  });

  it('lets a container within --memory finish, and says it had a cgroup', async () => {
    const store = join(work, 'no-oom');
    const result = await tenkai(store, inCgroup('--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=64'));
    expect(result.exitCode).toBe(0);
    expect(lastLogLine(store)).toMatch(/,done,0,[^,]+,cgroup,[^,]+$/);
  });

  it('makes forks beyond --pids-limit fail while the container keeps running', async () => {
    const forker = 'sh -c \'for i in $(seq 1 40); do sleep 60 & done\'; echo "forker: $?"; kill -9 -1; echo survived';
    const result = await tenkai(join(work, 'pids'), inCgroup('--pids-limit', '20', '--command', forker));
    expect(result.stderr).toContain("can't fork: Resource temporarily unavailable");
    expect(result.stdout).toBe('forker: 2\nsurvived\n');
    expect(result.exitCode).toBe(0);
  });

  it('holds a busy loop to --cpus 0.5 of one CPU', async () => {
    // An unlimited twin runs beside it and measures how much CPU the machine had to give, so a busy
    // machine lowers the floor; on an idle one the bounds are 0.25 and 0.65. The ceiling is the limit;
    // the floor only shows the loop ran, and on a saturated machine the quota'd loop gets less than its twin.
    // Shares of the wall time each run took: the start-up inside the cgroup counts too (seconds under emulation).
    const busyLoop = async (limits: { cpus?: string }, name: string) => {
      const plan = planContainer({ path: testRootfs(), command: 'timeout 2 sh -c "while :; do :; done"', limits });
      const started = Date.now();
      const result = await run(plan.spec, { id: plan.id, root: join(work, name), cgroups: { parent: parent.name } });
      return (result.cgroup?.stats.cpu?.usageUsec ?? 0) / ((Date.now() - started) * 1000);
    };
    const [share, available] = await Promise.all([busyLoop({ cpus: '0.5' }, 'cpus'), busyLoop({}, 'cpus-twin')]);
    expect(share).toBeLessThan(0.65);
    // Emulated (the v2 VM), ryouiki's own start-up outside the cgroup dwarfs the loop, and only the ceiling says something.
    expect(share).toBeGreaterThan(WAIT_SCALE > 1 ? 0 : 0.5 * Math.min(0.5, available));
    expect(available).toBeGreaterThan(0);
  });

  it('writes every limit where it is enforced and reports the stats of a running container', async () => {
    const flags = ['--memory', '48m', '--memory-swap', '96m', '--pids-limit', '30', '--cpus', '1.5', '--cpu-weight', '200'];
    const { child, outcome, cgroups } = await startLongRunning(join(work, 'stats'), 'sleep 5141', flags, 'exec sleep 5141');
    // Hybrid (this project's machines): v1 holds memory and cpu. Pure v2: the v2 folder holds them all.
    const v1 = (controller: string) => cgroups.folders.find((f) => f.version === 1 && f.controllers.includes(controller))?.dir;
    const v2 = cgroups.folders.find((f) => f.version === 2)?.dir ?? '';
    const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
    const memory = v1('memory');
    const cpu = v1('cpu');
    if (memory !== undefined) {
      expect(read(memory, 'memory.limit_in_bytes')).toBe(String(48 * 2 ** 20));
      expect(read(memory, 'memory.memsw.limit_in_bytes')).toBe(String(96 * 2 ** 20));
    } else {
      expect(read(v2, 'memory.max')).toBe(String(48 * 2 ** 20));
      expect(read(v2, 'memory.swap.max')).toBe(String(48 * 2 ** 20));
    }
    if (cpu !== undefined) {
      expect(read(cpu, 'cpu.cfs_quota_us')).toBe('150000');
      expect(read(cpu, 'cpu.shares')).toBe('2048');
    } else {
      expect(read(v2, 'cpu.max')).toBe('150000 100000');
      expect(read(v2, 'cpu.weight')).toBe('200');
    }
    const stats = cgroupStats(cgroups);
    expect(stats.memory).toMatchObject({ limitBytes: 48 * 2 ** 20, oomKills: 0 });
    expect(stats.memory?.currentBytes).toBeGreaterThan(0);
    expect(stats.pids).toEqual({ current: 2, limit: 30 });
    expect(stats.cpu?.usageUsec).toBeGreaterThan(0);
    const listed = await ryouiki(['stats', '--cgroup-parent', parent.name, '--json']);
    expect(listed.exitCode).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{64}$/), cgroup: cgroups.name, stats: expect.objectContaining({ pids: { current: 2, limit: 30 } }) }]);
    const table = await ryouiki(['stats', '--cgroup-parent', parent.name]);
    expect(table.stdout).toMatch(/^ID +MEM USAGE \/ LIMIT +MEM PEAK +PIDS +CPU TIME +OOM KILLS\n[0-9a-f]{12} +[0-9.]+[KM]iB \/ 48\.0MiB +[0-9.]+[KM]iB +2 \/ 30 +[0-9.]+s +0\n$/);
    child.kill('SIGTERM');
    expect((await outcome).exitCode).toBe(143);
  });

  // The v1 freezer exists only where v1 does (hybrid and v1 hosts), not on pure cgroup v2.
  const hasV1Freezer = hierarchies().some((h) => h.version === 1 && h.controllers.includes('freezer'));
  it.each([
    ['cgroup.kill (v2)', (cgroups: ContainerCgroups) => cgroups],
    ...(hasV1Freezer ? [['the v1 freezer', (cgroups: ContainerCgroups) => ({ ...cgroups, folders: cgroups.folders.filter((f) => f.version === 1) })] as const] : []),
  ])("kills a double-forked process that left the init's tree, through %s", async (_, which) => {
    const { outcome, cgroups } = await startLongRunning(join(work, 'kill'), 'sleep 5152', [], '(sleep 5151 &); exec sleep 5152');
    const sleepers = (): LiveProcess[] => leftovers('sleep 515').filter((p) => p.comm === 'sleep');
    await waitFor(() => (sleepers().length === 2 ? true : undefined), 'both sleeps to run');
    expect(pidsIn(cgroups)).toEqual(expect.arrayContaining(sleepers().map((p) => p.pid)));
    await killCgroup(which(cgroups));
    expect(sleepers()).toEqual([]);
    expect((await outcome).exitCode).toBe(137);
  });

  it('removes the cgroup a SIGKILLed ryouiki left, on the next run', async () => {
    const store = join(work, 'sigkill');
    const { child, outcome, cgroups } = await startLongRunning(store, 'sleep 5444', ['--memory', '32m'], 'exec sleep 5444');
    child.kill('SIGKILL');
    await outcome;
    await expectNoLeftovers('sleep 5444');
    expect(cgroups.folders.every((f) => existsSync(f.dir))).toBe(true);
    expect((await tenkai(store, inCgroup('--', 'true'))).exitCode).toBe(0);
    expect(cgroups.folders.filter((f) => existsSync(f.dir))).toEqual([]);
  });

  it('runs without a cgroup with --cgroups=disabled, and refuses limits then', async () => {
    const store = join(work, 'disabled');
    expect((await tenkai(store, ['--cgroups=disabled', '--', 'true'])).exitCode).toBe(0);
    expect(lastLogLine(store)).toMatch(/,done,0,[^,]+,no-cgroup,[^,]+$/);
    const refused = await tenkai(join(work, 'disabled-limit'), ['--cgroups=disabled', '--memory', '32m', '--', 'true']);
    expect(refused).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: --memory needs a cgroup, and --cgroups=disabled turns them off: drop one of the two\n' });
  });

  it('says which container IDs ryouiki stats does not know', async () => {
    const result = await ryouiki(['stats', '--cgroup-parent', parent.name, 'f00d']);
    expect(result).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: no running container with a cgroup has the name or an ID starting with f00d: list them with ryouiki stats\n' });
  });

  it('refuses a --cgroup-parent that does not exist', async () => {
    const result = await tenkai(join(work, 'bad-parent'), ['--cgroup-parent', 'no-such-parent', '--', 'true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^ryouiki: --cgroup-parent no-such-parent: no such cgroup folder that you can write \(.*\): create it in a cgroup delegated to you\n$/);
    expect(listProcessLogPids(join(work, 'bad-parent'))).toEqual([]);
  });
});
