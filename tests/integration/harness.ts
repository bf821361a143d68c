import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RYOUIKI = join(REPO_ROOT, 'bin', 'ryouiki');
export const HELPER = join(REPO_ROOT, 'helper', 'ryouiki-init');

/** The busybox root filesystem global-setup built for this run. */
export function testRootfs(): string {
  const path = process.env.RYOUIKI_TEST_ROOTFS;
  if (path === undefined) throw new Error('RYOUIKI_TEST_ROOTFS is unset: global-setup did not run');
  return path;
}

/** A private --root for one test, so its process logs are its own. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ryouiki-${prefix}-`));
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export interface Outcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function collect(child: ChildProcess, input?: string): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (input !== undefined) child.stdin?.end(input);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolvePromise({ exitCode, signal, stdout, stderr }));
  });
}

export function startRyouiki(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(RYOUIKI, args, { stdio: 'pipe', env: { ...process.env, ...env } });
}

/** Runs `ryouiki ARGS` to the end; stdin is closed unless input is given. */
export function ryouiki(args: string[], input = ''): Promise<Outcome> {
  return collect(startRyouiki(args), input);
}

/** `ryouiki tenkai` on the test rootfs with a private store. */
export function tenkai(store: string, args: string[], input = ''): Promise<Outcome> {
  return ryouiki(['tenkai', '--path', testRootfs(), '--root', store, ...args], input);
}

export interface LiveProcess {
  pid: number;
  comm: string;
  cmdline: string;
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * This user's processes that are still alive. Zombies do not count: on these
 * machines PID 1 reaps orphans late, so a killed helper can linger as one.
 */
export function liveProcesses(): LiveProcess[] {
  const uid = process.getuid?.();
  const live: LiveProcess[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const stat = readProc(pid, 'stat');
    const status = readProc(pid, 'status');
    if (stat === undefined || status === undefined) continue;
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    const realUid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (state === 'Z' || state === 'X' || realUid !== uid) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const cmdline = (readProc(pid, 'cmdline') ?? '').split('\0').join(' ').trim();
    live.push({ pid: Number(pid), comm, cmdline });
  }
  return live;
}

/** slirp4netns, or pasta (which runs as passt, passt.avx2 or pasta.avx2). */
export function isNetworkStack(p: LiveProcess): boolean {
  return p.comm === 'slirp4netns' || p.comm.startsWith('pasta') || p.comm.startsWith('passt');
}

/** Live processes that belong to a container: its helper, or whatever carries the marker. */
export function leftovers(marker?: string): LiveProcess[] {
  return liveProcesses().filter((p) => p.comm === 'ryouiki-init' || p.comm === 'ryouiki-monitor' || isNetworkStack(p) || (marker !== undefined && p.cmdline.includes(marker)));
}

/** How much longer waits may take on an emulated machine (the pure cgroup v2 VM sets it): deadlines, never timings. */
export const WAIT_SCALE = Number(process.env.RYOUIKI_TEST_WAIT_SCALE ?? '1');

/**
 * Polls probe until it gives a value. Between polls it sleeps at least twice as long as the probe took, so a
 * slow probe (a scan of /proc takes a quarter of a second in the emulated v2 VM) keeps the runner to a third
 * of a CPU instead of taking the CPU the processes it waits for need.
 */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs * WAIT_SCALE;
  for (;;) {
    const began = Date.now();
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.max(25, 2 * (Date.now() - began))));
  }
}

/** Waits until no container process (or the marked one) is alive. */
export async function expectNoLeftovers(marker?: string): Promise<void> {
  await waitFor(() => (leftovers(marker).length === 0 ? true : undefined), 'container processes to end', 5000).catch(() => {
    throw new Error(`processes left behind: ${JSON.stringify(leftovers(marker))}`);
  });
}

/**
 * A digest of a tree: every path with its mode, owners, size, mtime and link
 * target, and with contents also every file's bytes. Equal before and after
 * proves a container left the tree as it was.
 */
export function treeDigest(dir: string, contents = true): string {
  const hash = createHash('sha256');
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const stat = lstatSync(path);
      hash.update(`${relative(dir, path)} ${stat.mode} ${stat.uid} ${stat.gid} ${stat.size} ${stat.mtimeMs}\n`);
      if (stat.isSymbolicLink()) hash.update(readlinkSync(path));
      else if (stat.isDirectory()) walk(path);
      else if (contents) hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** A host loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
