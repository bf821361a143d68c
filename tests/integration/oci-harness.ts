import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOciConfig } from '@ryouiki/core';
import { REPO_ROOT, testRootfs, waitFor } from './harness.js';

export const RUNTIME = join(REPO_ROOT, 'bin', 'ryouiki-runtime');

export interface RuntimeOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ryouiki-runtime --root ROOT ARGS` with its stdout and stderr in files
 * of dir: a container created by it keeps them (an engine's monitor reads
 * them), so a pipe would not end with the runtime.
 */
export async function runtime(dir: string, root: string, args: string[], name = 'runtime'): Promise<RuntimeOutcome> {
  const outPath = join(dir, `${name}.out`);
  const errPath = join(dir, `${name}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const child = spawn(RUNTIME, ['--root', root, ...args], { stdio: ['ignore', out, err] });
    const exitCode = await new Promise<number | null>((resolvePromise, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolvePromise(code));
    });
    return { exitCode, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

export interface BundleOptions {
  args: string[];
  terminal?: boolean;
  hooks?: Record<string, Array<{ path: string; args?: string[] }>>;
  env?: string[];
}

/** A bundle on the test rootfs: user, mount, PID, UTS, IPC and network namespaces, this user as root inside. */
export function writeBundle(dir: string, options: BundleOptions): string {
  mkdirSync(dir, { recursive: true });
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const config = {
    ociVersion: '1.0.2',
    process: { terminal: options.terminal ?? false, user: { uid: 0, gid: 0 }, args: options.args, env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...(options.env ?? [])], cwd: '/' },
    root: { path: testRootfs(), readonly: true },
    hostname: 'ocitest',
    // runc's default mounts: with a bundle they are the container's whole list.
    mounts: defaultOciConfig().mounts,
    hooks: options.hooks ?? {},
    annotations: { 'org.example.test': 'yes' },
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'user'].map((type) => ({ type })),
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

export interface OciStateJson {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export async function stateOf(dir: string, root: string, id: string): Promise<OciStateJson> {
  const out = await runtime(dir, root, ['state', id], 'state');
  if (out.exitCode !== 0) throw new Error(`state failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as OciStateJson;
}

export async function waitForOutput(path: string, text: string): Promise<void> {
  await waitFor(() => (existsSync(path) && readFileSync(path, 'utf8').includes(text) ? true : undefined), `${JSON.stringify(text)} in ${path}`);
}

/** The containers a root still holds (their folders). */
export function containersIn(root: string): string[] {
  return existsSync(root) ? readdirSync(root) : [];
}

/** Cgroup folders left of container id below this process's own cgroups (ryouiki-<id>-<pid>). */
export function cgroupsLeftOf(id: string, ownDirs: string[]): string[] {
  return ownDirs.flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((entry) => entry.startsWith(`ryouiki-${id}-`))
          .map((entry) => join(dir, entry))
      : [],
  );
}

/** waitFor for a probe that must ask another process: resolves with its first defined answer. */
export async function waitForAsync<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}
