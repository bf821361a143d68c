import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { listProcessLogPids, readProcessLog } from '@ryouiki/logs';
import { collect, expectNoLeftovers, leftovers, liveProcesses, makeTempDir, removeDir, ryouiki, startRyouiki, tenkai, testRootfs, waitFor } from './harness.js';

let work: string;
let store: string;
let envFile: string;

beforeAll(() => {
  work = makeTempDir('tenkai');
  envFile = join(work, 'env.txt');
  writeFileSync(envFile, '# the whole environment\nPATH=/bin\nGREETING=hello world\nEMPTY=\n');
});
afterAll(() => removeDir(work));

let storeCount = 0;
beforeEach(() => {
  store = join(work, `store-${storeCount++}`);
});
afterEach(async () => {
  await expectNoLeftovers();
});

/** Every path under a folder with its type, size and mtime: to prove the rootfs was not touched. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const stat = statSync(path, { throwIfNoEntry: false }) ?? { mode: 0, size: 0, mtimeMs: 0, isDirectory: () => false };
      entries.push(`${relative(dir, path)} ${stat.mode} ${stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return entries;
}

describe('ryouiki tenkai isolation', () => {
  it('runs the seed example: uid 0, its own hostname, PID 1 as init', async () => {
    const out = await tenkai(store, ['--env', envFile, '--command', 'id; hostname; ps']);
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    const [idLine, host, ...ps] = out.stdout.trim().split('\n');
    expect(idLine).toMatch(/^uid=0\(root\) gid=0\(root\)/);
    expect(host).toMatch(/^[0-9a-f]{12}$/);
    expect(host).not.toBe(hostname());
    expect(ps.find((line) => /^\s*1\s/.test(line))).toContain('ryouiki-init');
  });

  it('maps uid 0 inside to the caller on the host', async () => {
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--command', 'id -u; read line; echo "got $line"']);
    const outcome = collect(child);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(() => (stdout.includes('0\n') ? true : undefined), 'the container to print its uid');
    const [pid] = listProcessLogPids(store);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(process.getuid?.()));
    const [ownLine] = readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n');
    expect(ownLine?.trim().split(/\s+/)).toEqual(['0', String(process.getuid?.()), '1']);
    child.stdin?.end('yes\n');
    const result = await outcome;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('0\ngot yes\n');
  });

  it("shows the command only the container's processes, under a PID-1 init", async () => {
    const out = await tenkai(store, ['--command', 'echo $$; cat /proc/1/comm; ls /proc | grep -E "^[0-9]+$"']);
    const [shellPid, initName, ...pids] = out.stdout.trim().split('\n');
    expect(shellPid).toBe('2');
    expect(initName).toBe('ryouiki-init');
    expect(pids.map(Number).every((pid) => pid < 10)).toBe(true);
    expect(pids).toContain('1');
  });

  it('sets the hostname from --hostname', async () => {
    const out = await tenkai(store, ['--hostname', 'box', '--', '/bin/hostname']);
    expect(out.stdout).toBe('box\n');
  });

  it('sees the rootfs as / and nothing of the host outside it', async () => {
    const secret = join(work, 'outside-secret.txt');
    writeFileSync(secret, 'host only');
    const out = await tenkai(store, ['--command', `test -e ${secret} && echo visible || echo hidden; ls /`]);
    const [visibility, ...rootEntries] = out.stdout.trim().split('\n');
    expect(visibility).toBe('hidden');
    expect(rootEntries.sort()).toEqual(readdirSync(testRootfs()).sort());
  });

  it("never writes into the user's rootfs", async () => {
    const before = snapshot(testRootfs());
    const out = await tenkai(store, ['--env', envFile, '--command', 'id; ls /dev /proc >/dev/null; echo x > /dev/null']);
    expect(out.exitCode).toBe(0);
    expect(snapshot(testRootfs())).toEqual(before);
  });

  it("gives the command exactly the env file's environment", async () => {
    const out = await tenkai(store, ['--env', envFile, '--', '/bin/env']);
    expect(out.stdout.trim().split('\n').sort()).toEqual(['EMPTY=', 'GREETING=hello world', 'PATH=/bin']);
  });

  it('keeps env values out of every process list', async () => {
    const secretEnv = join(work, 'secret.env');
    writeFileSync(secretEnv, 'TOKEN=very-secret-4711\n');
    const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, '--env', secretEnv, '--', 'sleep', '4711']);
    const outcome = collect(child);
    await waitFor(() => leftovers('sleep 4711').find((p) => p.comm === 'sleep'), 'the command to run');
    expect(liveProcesses().filter((p) => p.cmdline.includes('very-secret-4711'))).toEqual([]);
    child.kill('SIGTERM');
    expect((await outcome).exitCode).toBe(143);
  });

  it("shows the container no host path in its PID 1's command line", async () => {
    const out = await tenkai(store, ['--', 'sh', '-c', 'tr -s "\\0" "|" </proc/1/cmdline']);
    expect(out).toMatchObject({ exitCode: 0, stdout: 'ryouiki-init|', stderr: '' });
  });

  it('takes --rm as podman run does, and leaves no container files either way', async () => {
    const out = await tenkai(store, ['--rm', '--', 'true']);
    expect(out.exitCode).toBe(0);
    const run = join(store, 'run');
    if (existsSync(run)) expect(readdirSync(run)).toEqual([]);
  });

  it('gives the standard PATH and nothing else without an env file', async () => {
    const out = await tenkai(store, ['--', 'env']);
    expect(out.stdout).toBe('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
  });

  it('has /dev with the standard nodes, devpts and shm', async () => {
    const out = await tenkai(store, ['--command', 'ls /dev; echo data > /dev/null && echo null-ok; test -c /dev/pts/ptmx && echo pts-ok; touch /dev/shm/x && echo shm-ok']);
    const lines = out.stdout.trim().split('\n');
    for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr']) {
      expect(lines).toContain(name);
    }
    expect(lines).toEqual(expect.arrayContaining(['null-ok', 'pts-ok', 'shm-ok']));
  });

  it('has only lo, up, with --network none and the host interfaces with --network host', async () => {
    const none = await tenkai(store, ['--network', 'none', '--command', 'cat /proc/net/dev; ip route']);
    expect(none.stdout).toMatch(/lo:/);
    expect(none.stdout).not.toMatch(/eth|ens|enp|tap0/);
    expect(none.stdout).not.toMatch(/default/);
    const loUp = await tenkai(store, ['--network', 'none', '--command', 'ip link show lo']);
    expect(loUp.stdout).toMatch(/UP/);
    const hostDev = readFileSync('/proc/net/dev', 'utf8').split('\n').length;
    const host = await tenkai(store, ['--network', 'host', '--', 'cat', '/proc/net/dev']);
    expect(host.stdout.split('\n').length).toBe(hostDev);
  });
});

describe('ryouiki tenkai exit codes and stdio', () => {
  it.each([
    [0, ['--command', 'exit 0']],
    [1, ['--command', 'exit 1']],
    [42, ['--command', 'exit 42']],
    [137, ['--command', 'kill -9 $$']],
  ])('exits %d with the command', async (code, args) => {
    const out = await tenkai(store, args);
    expect(out.exitCode).toBe(code);
  });

  it('exits 126 with one line when the program cannot be executed', async () => {
    const out = await tenkai(store, ['--', '/etc/passwd']);
    expect(out.exitCode).toBe(126);
    expect(out.stderr).toBe('ryouiki: exec: /etc/passwd: Permission denied\n');
  });

  it.each([['/nonexistent'], ['no-such-program']])('exits 127 with one line when %s is not found', async (program) => {
    const out = await tenkai(store, ['--', program]);
    expect(out.exitCode).toBe(127);
    expect(out.stderr).toBe(`ryouiki: exec: ${program}: No such file or directory\n`);
  });

  it('passes stdin through to the command and its stdout and stderr back', async () => {
    const out = await tenkai(store, ['--command', 'cat; echo to-stderr >&2'], 'hello\nworld\n');
    expect(out.stdout).toBe('hello\nworld\n');
    expect(out.stderr).toBe('to-stderr\n');
  });

  it('reaps orphaned zombies inside the container', async () => {
    const out = await tenkai(store, ['--command', 'sh -c "sleep 0.2 &"; sleep 1; cat /proc/[0-9]*/stat']);
    const states = out.stdout
      .trim()
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf(')') + 2).split(' ')[0]);
    expect(states.length).toBeGreaterThan(1);
    expect(states).not.toContain('Z');
  });
});

describe('the seed process log: binding_vow and inspect', () => {
  it('records started then done or failed under binding_vow/<PID>.ryouiki', async () => {
    await tenkai(store, ['--command', 'echo one']);
    await tenkai(store, ['--command', 'exit 3']);
    const pids = listProcessLogPids(store);
    expect(pids).toHaveLength(2);
    const logs = pids.map((pid) => readProcessLog(store, pid) ?? []);
    const byCommand = Object.fromEntries(logs.map((lines) => [lines[0]?.split(',')[0], lines]));
    const [first, second] = [byCommand['echo one'], byCommand['exit 3']];
    expect(first?.[0]).toMatch(/^echo one,\d+,started,,/);
    expect(first?.[1]).toMatch(/^echo one,\d+,done,0,\d{4}-/);
    expect(second?.[1]).toMatch(/^exit 3,\d+,failed,3,/);
  });

  it('prints logs with inspect --pid and --all', async () => {
    await tenkai(store, ['--command', 'true']);
    await tenkai(store, ['--', '/bin/true']);
    const [a, b] = listProcessLogPids(store);
    const one = await ryouiki(['inspect', '--root', store, '--pid', String(a)]);
    expect(one.exitCode).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual(readProcessLog(store, a!));
    const both = await ryouiki(['inspect', '--root', store, '--pid', `${a},${b}`]);
    const all = await ryouiki(['inspect', '--root', store, '--all']);
    expect(all.stdout).toBe(both.stdout);
    expect(all.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('says which PID has no log, with exit 125', async () => {
    const out = await ryouiki(['inspect', '--root', store, '--pid', '999999']);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/^ryouiki: no process log for PID 999999 in .*: list the known ones with ryouiki inspect --all\n$/);
  });

  it('keeps the log under RYOUIKI_ROOT when --root is not given', async () => {
    const out = await collect(startRyouiki(['tenkai', '--path', testRootfs(), '--', 'true'], { RYOUIKI_ROOT: store }), '');
    expect(out.exitCode).toBe(0);
    expect(listProcessLogPids(store)).toHaveLength(1);
  });

  it('defaults to $XDG_DATA_HOME/ryouiki', async () => {
    const dataHome = join(work, 'xdg');
    mkdirSync(dataHome);
    const out = await collect(startRyouiki(['tenkai', '--path', testRootfs(), '--', 'true'], { XDG_DATA_HOME: dataHome, RYOUIKI_ROOT: '' }), '');
    expect(out.exitCode).toBe(0);
    expect(listProcessLogPids(join(dataHome, 'ryouiki'))).toHaveLength(1);
  });
});
