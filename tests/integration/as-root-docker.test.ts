// dockerd (Debian's docker.io) with ryouiki-runtime added as a runtime
// (--add-runtime), driving it through its own containerd and the runc shim.
// Runs as root (make check-root): dockerd runs as root, and so runs its
// runtime as root. dockerd is started here with its own data root, exec
// root, socket and pidfile, no network of its own and no registry; the
// image comes from `docker load` of a tarball made here.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cgroupFoldersBelow, killProcessesWith, mountsBelow, processesWith, removeCgroupFolders, runProgram, startDaemon, stopDaemon, writeImageTarball } from './engine-harness.js';
import { makeTempDir, testRootfs, waitFor } from './harness.js';
import { RUNTIME } from './oci-harness.js';

if (process.getuid?.() !== 0) throw new Error('the Docker tests run as root: make check-root');

const work = makeTempDir('docker');
const socket = join(work, 'docker.sock');
const cgroupParent = `ryouiki-docker-${randomBytes(4).toString('hex')}`;
const IMAGE = 'ryouiki-test/busybox:latest';
const logFile = join(work, 'dockerd.log');
let dockerd: ChildProcess | undefined;

function docker(args: string[], timeoutMs = 60000) {
  return runProgram('docker', ['--host', `unix://${socket}`, ...args], { timeoutMs, env: { DOCKER_CONFIG: join(work, 'client') } });
}

/** docker run with ryouiki-runtime, no network, in this file's cgroup parent. */
function dockerRun(args: string[]) {
  return docker(['run', '--runtime', 'ryouiki', '--network', 'none', '--cgroup-parent', `/${cgroupParent}`, ...args]);
}

beforeAll(async () => {
  mkdirSync(join(work, 'client'));
  writeFileSync(join(work, 'daemon.json'), '{}');
  const args = [
    '--config-file',
    join(work, 'daemon.json'),
    '--data-root',
    join(work, 'data'),
    '--exec-root',
    join(work, 'exec'),
    '--host',
    `unix://${socket}`,
    '--pidfile',
    join(work, 'docker.pid'),
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--add-runtime',
    `ryouiki=${RUNTIME}`,
  ];
  dockerd = await startDaemon('dockerd', args, logFile, () => existsSync(socket) && readFileSync(logFile, 'utf8').includes('API listen on'), 'dockerd');
  const loaded = await docker(['load', '--input', writeImageTarball(testRootfs(), work, IMAGE)], 120000);
  expect(loaded).toMatchObject({ exitCode: 0 });
}, 120000);

afterEach(async () => {
  expect((await docker(['ps', '--all', '--quiet'])).stdout.trim()).toBe('');
  // Shims, supervisors and helpers of this dockerd; not dockerd and its containerd.
  const left = () => processesWith(work).filter((line) => !/^\d+ (dockerd|containerd) /.test(line));
  await waitFor(() => (left().length === 0 ? true : undefined), 'the shims and containers to end').catch(() => {
    throw new Error(`left behind: ${left().join('; ')}`);
  });
  // dockerd's own mounts (its data root, overlay2) stay; a container's (its merged rootfs, shm) must not.
  expect(mountsBelow(join(work, 'data')).filter((point) => point !== join(work, 'data') && !point.endsWith('/overlay2'))).toEqual([]);
  expect(cgroupFoldersBelow(cgroupParent)).toEqual([]);
});

afterAll(async () => {
  await stopDaemon(dockerd);
  const left = processesWith(work);
  killProcessesWith(work);
  removeCgroupFolders(cgroupParent);
  for (const point of mountsBelow(work).reverse()) await runProgram('umount', ['-l', point]);
  rmSync(work, { recursive: true, force: true });
  expect(left).toEqual([]);
}, 60000);

describe('Docker with ryouiki-runtime (--add-runtime ryouiki)', () => {
  it('docker run --rm prints what the command says, in root mode', async () => {
    const out = await dockerRun(['--rm', IMAGE, 'sh', '-c', 'echo hi; cat /proc/self/uid_map']);
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    const [greeting, uidMap] = out.stdout.split('\n');
    expect(greeting).toBe('hi');
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
  });

  it('run -d, then logs, exec, stop and rm', async () => {
    const started = await dockerRun(['-d', '--name', 'detached', IMAGE, 'sh', '-c', 'echo started; trap "exit 0" TERM; while :; do sleep 1; done']);
    expect(started.exitCode).toBe(0);
    try {
      for (let tries = 0; !(await docker(['logs', 'detached'])).stdout.includes('started') && tries < 100; tries++) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      expect((await docker(['logs', 'detached'])).stdout).toBe('started\n');
      expect(await docker(['exec', 'detached', 'sh', '-c', 'echo in the container; exit 3'])).toMatchObject({ exitCode: 3, stdout: 'in the container\n' });
      expect(await docker(['stop', '--time', '10', 'detached'])).toMatchObject({ exitCode: 0 });
      expect((await docker(['inspect', '--format', '{{.State.ExitCode}}', 'detached'])).stdout.trim()).toBe('0');
    } finally {
      expect(await docker(['rm', 'detached'])).toMatchObject({ exitCode: 0 });
    }
  });

  it('rm -f kills and removes a running container', async () => {
    expect(await dockerRun(['-d', '--name', 'forced', IMAGE, 'sleep', '600'])).toMatchObject({ exitCode: 0 });
    expect((await docker(['inspect', '--format', '{{.State.Status}}', 'forced'])).stdout.trim()).toBe('running');
    expect(await docker(['rm', '--force', 'forced'])).toMatchObject({ exitCode: 0 });
  });

  it('run -it gives the command a terminal (script(1) gives docker one)', async () => {
    const command = `docker --host unix://${socket} run -it --rm --runtime ryouiki --network none --cgroup-parent /${cgroupParent} ${IMAGE} sh -c 'tty; exit 0'`;
    const out = await runProgram('script', ['-qec', command, '/dev/null'], { timeoutMs: 30000, env: { DOCKER_CONFIG: join(work, 'client') } });
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it('run --memory 32m: a command that outgrows it is OOM-killed, exit code 137', async () => {
    const out = await dockerRun(['--rm', '--memory', '32m', IMAGE, 'awk', 'BEGIN { s = "x"; while (1) s = s s }']);
    expect(out.exitCode).toBe(137);
  });

  it("run --pids-limit: the limit is in the container's pids cgroup", async () => {
    expect(await dockerRun(['-d', '--name', 'limited', '--pids-limit', '10', IMAGE, 'sleep', '600'])).toMatchObject({ exitCode: 0 });
    try {
      const pid = (await docker(['inspect', '--format', '{{.State.Pid}}', 'limited'])).stdout.trim();
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
        .split('\n')
        .find((entry) => /^\d+:pids:/.test(entry) || entry.startsWith('0::'))!;
      const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
      expect(path.startsWith(`/${cgroupParent}/`)).toBe(true);
      const v1 = join('/sys/fs/cgroup/pids', path, 'pids.max');
      expect(readFileSync(existsSync(v1) ? v1 : join('/sys/fs/cgroup', path, 'pids.max'), 'utf8').trim()).toBe('10');
    } finally {
      await docker(['rm', '--force', 'limited']);
    }
  });
});
