// Engines that run ryouiki-runtime as their runc (containerd, dockerd),
// started by the tests as root with folders of their own, and what they
// leave behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Outcome } from './harness.js';

/** Runs a program to its end with a deadline; its output and exit code. */
export function runProgram(program: string, args: string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ exitCode: code ?? (signal === null ? null : 128), signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * An image tarball in `docker save` form (one layer: the rootfs), which
 * `ctr images import` and `docker load` read; no registry involved.
 */
export function writeImageTarball(rootfs: string, dir: string, tag: string): string {
  const staging = join(dir, 'image');
  mkdirSync(staging, { recursive: true });
  const layer = join(staging, 'layer.tar');
  execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', layer, '.']);
  const diffId = createHash('sha256').update(readFileSync(layer)).digest('hex');
  mkdirSync(join(staging, diffId));
  execFileSync('mv', [layer, join(staging, diffId, 'layer.tar')]);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: '2026-01-01T00:00:00Z', created_by: 'ryouiki tests: the busybox rootfs' }],
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writeFileSync(join(staging, configName), config);
  writeFileSync(join(staging, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: [`${diffId}/layer.tar`] }]));
  const tarball = join(dir, 'image.tar');
  execFileSync('tar', ['-C', staging, '-cf', tarball, '.']);
  execFileSync('rm', ['-rf', staging]);
  return tarball;
}

/** Starts a daemon, its output in a log file; resolves once ready() says so. */
export async function startDaemon(program: string, args: string[], logFile: string, ready: () => boolean, what: string): Promise<ChildProcess> {
  const log = openSync(logFile, 'a');
  const daemon = spawn(program, args, { stdio: ['ignore', log, log] });
  daemon.on('error', () => undefined);
  try {
    await waitFor(() => (daemon.exitCode !== null ? true : ready() ? true : undefined), `${what} to start`, 30000);
  } catch (error) {
    daemon.kill('SIGKILL');
    throw error;
  }
  if (daemon.exitCode !== null) throw new Error(`${what} ended at start: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
  return daemon;
}

export async function stopDaemon(daemon: ChildProcess | undefined): Promise<void> {
  if (daemon === undefined || daemon.exitCode !== null || daemon.signalCode !== null) return;
  const ended = new Promise((resolveEnd) => daemon.once('exit', resolveEnd));
  daemon.kill('SIGTERM');
  const timer = setTimeout(() => daemon.kill('SIGKILL'), 15000);
  await ended;
  clearTimeout(timer);
}

/** Kills what an engine that failed its test left (its shims), by pid. */
export function killProcessesWith(marker: string): void {
  for (const line of processesWith(marker)) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Live processes whose command line holds marker (zombies excluded: nobody here reaps orphans fast). */
export function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker) && Number(pid) !== process.pid) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Mount points of this mount namespace below dir. */
export function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(dir));
}

/** The cgroup folders below name in each hierarchy (an engine's namespace: /sys/fs/cgroup/<h>/<name>/...). */
export function cgroupFoldersBelow(name: string): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const parents = [join('/sys/fs/cgroup', hierarchy, name), join('/sys/fs/cgroup', name)];
    for (const parent of parents) {
      if (!existsSync(parent) || !statSync(parent).isDirectory()) continue;
      for (const entry of readdirSync(parent)) if (statSync(join(parent, entry)).isDirectory()) found.push(join(parent, entry));
    }
  }
  return [...new Set(found)];
}

/** Removes the (empty) cgroup folders named name that an engine's runs made in each hierarchy. */
export function removeCgroupFolders(name: string): void {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    for (const dir of [join('/sys/fs/cgroup', hierarchy, name), join('/sys/fs/cgroup', name)]) {
      try {
        if (existsSync(dir)) rmdirSync(dir);
      } catch {
        // not empty: the leak check says so
      }
    }
  }
}
