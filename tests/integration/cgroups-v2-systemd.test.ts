import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { detectCgroups, findContainerCgroups, killCgroup } from '@ryouiki/core/internal';
import { listProcessLogPids, readProcessLog } from '@ryouiki/logs';
import { describeIf } from './cgroup-harness.js';
import { collect, expectNoLeftovers, leftovers, makeTempDir, removeDir, ryouiki, startRyouiki, tenkai, testRootfs, waitFor } from './harness.js';
import { expectNoPodmanLeftovers, IMAGE, TestPodman } from './podman-harness.js';

/**
 * Pure cgroup v2 with systemd, as most users' machines are: the test user's
 * systemd manager delegates cpu memory pids, and ryouiki runs without
 * --cgroup-parent, from a login shell or a scope shared with the test runner:
 * it asks systemd for a scope of its own. make test-cgroup-v2 runs this file
 * in a VM (scripts/v2vm/); the project's machines are hybrid.
 */
function missingSystemdV2(): string[] {
  const missing: string[] = [];
  if (detectCgroups().mode !== 'unified') missing.push('pure cgroup v2');
  if (!existsSync('/run/systemd/system')) missing.push('systemd as PID 1');
  const uid = process.getuid?.() ?? 0;
  if (!existsSync(`/run/user/${uid}/bus`)) missing.push(`the user's D-Bus (/run/user/${uid}/bus)`);
  return missing;
}

const suite = describeIf(missingSystemdV2(), 'these tests need a systemd host with pure cgroup v2');
const work = makeTempDir('cgroups-v2');
const mount = detectCgroups().hierarchies[0]?.mountPoint ?? '/sys/fs/cgroup';
const uid = process.getuid?.() ?? 0;
const ryouikiSlice = join(mount, `user.slice/user-${uid}.slice/user@${uid}.service/ryouiki.slice`);
let podman: TestPodman | undefined;

function ryouikiScopes(): string[] {
  return existsSync(ryouikiSlice) ? readdirSync(ryouikiSlice).filter((name) => name.endsWith('.scope')) : [];
}

function lastLogLine(store: string): string {
  const [pid] = listProcessLogPids(store);
  return readProcessLog(store, pid ?? 0)?.at(-1) ?? '';
}

function ownCgroup(pid: number | 'self'): string {
  return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
}

beforeAll(() => {
  process.stdout.write(`cgroups-v2-systemd: running in ${ownCgroup('self')}\n`);
});
afterAll(async () => {
  await podman?.destroy();
  removeDir(work);
});
afterEach(async () => {
  await expectNoLeftovers();
  // Each scope ends by itself once the ryouiki that asked for it is gone.
  await waitFor(() => (ryouikiScopes().length === 0 ? true : undefined), 'the scopes to end').catch(() => {
    throw new Error(`scopes left behind: ${ryouikiScopes().join(' ')}`);
  });
});

suite('pure cgroup v2 with systemd, no --cgroup-parent', () => {
  it('OOM-kills a container beyond --memory in a scope systemd delegates, exits 137 and records it', async () => {
    const store = join(work, 'oom');
    const result = await tenkai(store, ['--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    process.stdout.write(`cgroups-v2-systemd: --memory 32m, dd of 64 MiB: exit ${result.exitCode}, process log: ${lastLogLine(store)}\n`);
    expect(result).toMatchObject({ exitCode: 137 });
    expect(lastLogLine(store)).toMatch(/,failed,137,[^,]+,oom-killed,[^,]+$/);
  });

  it('puts the container in a ryouiki scope with --pids-limit, and refuses forks beyond it', async () => {
    const store = join(work, 'pids');
    const forker = "sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done' 2>&1";
    const result = await tenkai(store, ['--pids-limit', '8', '--command', `cat /proc/self/cgroup; ${forker}; echo "forker: $?"; kill -9 -1; echo survived`]);
    process.stdout.write(`cgroups-v2-systemd: --pids-limit 8: ${result.stdout.split('\n').slice(1).join(' | ')}\n`);
    expect(result.stdout).toMatch(/^0::\/user\.slice\/user-\d+\.slice\/user@\d+\.service\/ryouiki\.slice\/ryouiki-[0-9a-f]{64}\.scope\/ryouiki-[0-9a-f]{64}-\d+\n/);
    expect(result.stdout).toMatch(/can't fork: Resource temporarily unavailable\nforker: 2\nsurvived\n$/);
    expect(result.exitCode).toBe(0);
  });

  it('holds a busy loop near --cpus, sets --cpu-weight, shows it in stats and ends it with cgroup.kill', async () => {
    const store = join(work, 'cpu');
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--cpus', '0.5', '--cpu-weight', '50', '--command', 'while :; do :; done # cpu-6262']);
    const outcome = collect(child);
    const loop = await waitFor(() => leftovers('cpu-6262').find((p) => p.comm === 'sh' && ownCgroup(p.pid).includes('/ryouiki.slice/')), 'the busy loop in its scope', 60000);
    const id = /ryouiki-([0-9a-f]{64})-\d+$/.exec(ownCgroup(loop.pid))?.[1] ?? '';
    const cgroups = findContainerCgroups(id);
    expect(cgroups).toBeDefined();
    const dir = cgroups!.folders[0]!.dir;
    expect(readFileSync(join(dir, 'cpu.max'), 'utf8').trim()).toBe('50000 100000');
    expect(readFileSync(join(dir, 'cpu.weight'), 'utf8').trim()).toBe('50');
    const usage = async (): Promise<number> => {
      const listed = await ryouiki(['stats', '--json', id.slice(0, 12)]);
      expect(listed.exitCode).toBe(0);
      return (JSON.parse(listed.stdout) as Array<{ stats: { cpu: { usageUsec: number } } }>)[0]!.stats.cpu.usageUsec;
    };
    const before = await usage();
    const start = Date.now();
    await new Promise((resolveWait) => setTimeout(resolveWait, 4000));
    const share = ((await usage()) - before) / ((Date.now() - start) * 1000);
    process.stdout.write(`cgroups-v2-systemd: --cpus 0.5 held a busy loop to ${share.toFixed(2)} of one CPU\n`);
    // The quota is the ceiling; the floor is loose, as the machine may be busy.
    expect(share).toBeLessThan(0.6);
    expect(share).toBeGreaterThan(0.1);
    await killCgroup(cgroups!);
    expect((await outcome).exitCode).toBe(137);
  });

  it('podman --cgroup-manager systemd (its default here) OOM-kills beyond --memory with 137', async () => {
    podman = new TestPodman(makeTempDir('podman-v2'), 'systemd');
    podman.importImage();
    const result = await podman.run(['run', '--rm', '--memory', '32m', IMAGE, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    process.stdout.write(`cgroups-v2-systemd: podman --cgroup-manager systemd --memory 32m, dd of 64 MiB: exit ${result.exitCode}\n`);
    expect(result.stderr).not.toMatch(/falling back/i);
    expect(result.exitCode).toBe(137);
    await expectNoPodmanLeftovers(podman!);
  });

  it('podman --cgroup-manager systemd keeps --pids-limit, and --cgroup-manager cgroupfs still runs containers', async () => {
    const forker = 'sh -c \'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done\' 2>&1; echo "forker: $?"; kill -9 -1; echo survived';
    const limited = await podman!.run(['run', '--rm', '--pids-limit', '8', IMAGE, 'sh', '-c', forker]);
    process.stdout.write(`cgroups-v2-systemd: podman --cgroup-manager systemd --pids-limit 8: exit ${limited.exitCode}: ${limited.stdout.split('\n').slice(-4).join(' | ')}\n`);
    expect(limited).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/can't fork: Resource temporarily unavailable\nforker: 2\nsurvived\n$/) });
    const plain = new TestPodman(makeTempDir('podman-cgroupfs'), 'cgroupfs');
    try {
      plain.importImage();
      expect(await plain.run(['run', '--rm', IMAGE, 'echo', 'cgroupfs works'])).toMatchObject({ exitCode: 0, stdout: 'cgroupfs works\n' });
    } finally {
      await plain.destroy();
    }
    await expectNoPodmanLeftovers(podman!);
  });
});
