// containerd (Debian's) driving ryouiki-runtime as its runc through the
// io.containerd.runc.v2 shim. Runs as root (make check-root), since
// containerd and its shim run as root and so run their runtime as root:
// ryouiki-runtime in root mode. containerd is started here with a private
// config, socket, root and state folder, and stopped at the end.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cgroupFoldersBelow, killProcessesWith, mountsBelow, processesWith, removeCgroupFolders, runProgram, startDaemon, stopDaemon, writeImageTarball } from './engine-harness.js';
import { makeTempDir, testRootfs, waitFor } from './harness.js';
import { RUNTIME } from './oci-harness.js';

if (process.getuid?.() !== 0) throw new Error('the containerd tests run as root: make check-root');

const work = makeTempDir('containerd');
const socket = join(work, 'containerd.sock');
const runcRoot = join(work, 'runc-root');
const namespace = `ryouiki-${randomBytes(4).toString('hex')}`;
const logFile = join(work, 'containerd.log');
const IMAGE = 'docker.io/ryouiki-test/busybox:latest';
let containerd: ChildProcess | undefined;
let serial = 0;

function configToml(): string {
  return `version = 2
root = "${work}/root"
state = "${work}/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${work}/opt"
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "ryouiki"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ryouiki]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ryouiki.options]
  BinaryName = "${RUNTIME}"
  Root = "${runcRoot}"
`;
}

function ctr(args: string[], timeoutMs = 60000) {
  return runProgram('ctr', ['--address', socket, '--namespace', namespace, ...args], { timeoutMs });
}

/** ctr run with ryouiki-runtime as the runc binary. */
function ctrRun(args: string[]) {
  return ctr(['run', '--runc-binary', RUNTIME, '--runc-root', runcRoot, ...args]);
}

async function taskStatus(id: string): Promise<string | undefined> {
  const out = await ctr(['task', 'ls']);
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[0] === id)?.[2];
}

beforeAll(async () => {
  const config = join(work, 'config.toml');
  writeFileSync(config, configToml());
  containerd = await startDaemon(
    'containerd',
    ['--config', config, '--log-level', 'info'],
    logFile,
    () => existsSync(socket) && readFileSync(logFile, 'utf8').includes('containerd successfully booted'),
    'containerd',
  );
}, 60000);

afterEach(async () => {
  expect((await ctr(['task', 'ls', '-q'])).stdout.trim()).toBe('');
  expect((await ctr(['containers', 'ls', '-q'])).stdout.trim()).toBe('');
  // No shim of this namespace, no container process on the rootfs or the snapshots.
  await waitFor(() => (processesWith(`-namespace ${namespace}`).length === 0 ? true : undefined), 'the shims to end').catch(() => {
    throw new Error(`left behind: ${processesWith(`-namespace ${namespace}`).join('; ')}`);
  });
  expect(processesWith(testRootfs())).toEqual([]);
  expect(processesWith(join(work, 'state'))).toEqual([]);
  expect(mountsBelow(work)).toEqual([]);
  expect(cgroupFoldersBelow(namespace)).toEqual([]);
});

afterAll(async () => {
  await ctr(['images', 'rm', IMAGE]).catch(() => undefined);
  await stopDaemon(containerd);
  const shims = processesWith(`-address ${socket}`);
  killProcessesWith(`-address ${socket}`);
  removeCgroupFolders(namespace);
  const left = cgroupFoldersBelow(namespace);
  for (const point of mountsBelow(work).reverse()) await runProgram('umount', ['-l', point]);
  rmSync(work, { recursive: true, force: true });
  expect(shims).toEqual([]);
  expect(left).toEqual([]);
}, 60000);

describe('containerd with ryouiki-runtime as its runc', () => {
  it('loads a config whose CRI runtime table names ryouiki-runtime as BinaryName, without error', () => {
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toMatch(/failed to load plugin io\.containerd\.grpc\.v1\.cri/);
    expect(log).toContain(`BinaryName:${RUNTIME}`);
  });

  it('ctr run --rm on a rootfs: the output and exit code, in root mode (the host ids, no user namespace of its own)', async () => {
    const hostUserNs = (await runProgram('readlink', ['/proc/self/ns/user'])).stdout;
    const out = await ctrRun(['--rm', '--rootfs', testRootfs(), `run${serial++}`, '/bin/sh', '-c', 'echo hi; readlink /proc/self/ns/user; cat /proc/self/uid_map; exit 3']);
    expect(out.exitCode).toBe(3);
    const [greeting, userNs, uidMap] = out.stdout.split('\n');
    expect(greeting).toBe('hi');
    expect(`${userNs}\n`).toBe(hostUserNs);
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
  });

  it('ctr run --rm of an image from ctr images import', async () => {
    const imported = await ctr(['images', 'import', writeImageTarball(testRootfs(), work, IMAGE)], 120000);
    expect(imported).toMatchObject({ exitCode: 0 });
    const out = await ctrRun(['--rm', IMAGE, `image${serial++}`, '/bin/echo', 'from the image']);
    expect(out).toMatchObject({ exitCode: 0, stdout: 'from the image\n' });
  });

  it('a detached task: ps, exec, update, pause and resume, kill', async () => {
    const id = `task${serial++}`;
    expect(await ctrRun(['-d', '--rootfs', testRootfs(), id, '/bin/sh', '-c', 'exec sleep 600'])).toMatchObject({ exitCode: 0 });
    try {
      // The shim asks ryouiki-runtime ps --format json: the task's processes, its init among them.
      const ps = await ctr(['task', 'ps', id]);
      expect(ps.exitCode).toBe(0);
      const taskPid = (await ctr(['task', 'ls'])).stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .find((fields) => fields[0] === id)?.[1];
      expect(ps.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0])).toContain(taskPid);
      const exec = await ctr(['task', 'exec', '--exec-id', 'e1', id, '/bin/sh', '-c', 'echo in the task; exit 4']);
      expect(exec).toMatchObject({ exitCode: 4, stdout: 'in the task\n' });
      // ctr 1.6 has no task update: as the shim calls it for the CRI's UpdateContainerResources, in its root.
      const update = await runProgram(RUNTIME, ['--root', join(runcRoot, namespace), 'update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 67108864 } }) });
      expect(update).toMatchObject({ exitCode: 0, stderr: '' });
      const memory = readFileSync(`/proc/${taskPid}/cgroup`, 'utf8')
        .split('\n')
        .find((line) => /^\d+:memory:/.test(line))!
        .split(':')[2]!;
      expect(readFileSync(join('/sys/fs/cgroup/memory', memory, 'memory.limit_in_bytes'), 'utf8').trim()).toBe('67108864');
      expect(await ctr(['task', 'pause', id])).toMatchObject({ exitCode: 0 });
      expect(await taskStatus(id)).toBe('PAUSED');
      expect(await ctr(['task', 'resume', id])).toMatchObject({ exitCode: 0 });
      expect(await taskStatus(id)).toBe('RUNNING');
      expect(await ctr(['task', 'kill', '--signal', 'SIGKILL', id])).toMatchObject({ exitCode: 0 });
      for (let tries = 0; (await taskStatus(id)) !== 'STOPPED' && tries < 200; tries++) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      expect(await taskStatus(id)).toBe('STOPPED');
    } finally {
      await ctr(['task', 'rm', '--force', id]);
      await ctr(['containers', 'rm', id]);
    }
  });

  it('ctr run --tty gives the command a terminal (script(1) gives ctr one)', async () => {
    const command = [
      'ctr',
      '--address',
      socket,
      '--namespace',
      namespace,
      'run',
      '--rm',
      '--tty',
      '--runc-binary',
      RUNTIME,
      '--runc-root',
      runcRoot,
      '--rootfs',
      testRootfs(),
      `tty${serial++}`,
      '/bin/sh',
      '-c',
      "'tty; exit 0'",
    ].join(' ');
    const out = await runProgram('script', ['-qec', command, '/dev/null'], { timeoutMs: 30000 });
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/\/dev\/pts\/\d+/);
  });
});

describe('ryouiki-runtime as the shim calls it', () => {
  it('writes its errors to --log as json lines with level and msg, worded as the shim maps them', async () => {
    const log = join(work, `runtime${serial++}.log`);
    const out = await runProgram(RUNTIME, ['--root', runcRoot, '--log', log, '--log-format', 'json', 'kill', 'no-such-container', '9']);
    expect(out.exitCode).not.toBe(0);
    const line = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as { level: string; msg: string };
    expect(line.level).toBe('error');
    expect(line.msg).toContain('does not exist');
  });
});
