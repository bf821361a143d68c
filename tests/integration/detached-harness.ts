import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach } from '@jest/globals';
import { expectNoLeftovers, liveProcesses, makeTempDir, removeDir, ryouiki, testRootfs, waitFor, WAIT_SCALE, type Outcome } from './harness.js';

/** `ryouiki start` on the test rootfs with a private store; resolves with the id it printed. */
export async function startDetached(store: string, args: string[]): Promise<string> {
  const out = await ryouiki(['start', '--path', testRootfs(), '--root', store, ...args]);
  if (out.exitCode !== 0) throw new Error(`start failed (${out.exitCode}): ${out.stderr}`);
  return out.stdout.trim();
}

/** `ryouiki CMD --root STORE ARGS`, with input on its stdin. */
export function inStore(store: string, command: string, args: string[] = [], input = ''): Promise<Outcome> {
  return ryouiki([command, '--root', store, ...args], input);
}

export interface PsEntry {
  id: string;
  name: string;
  status: string;
  pid?: number;
  exitCode?: number | null;
  exitReason?: string;
  logPath: string;
  monitor?: { pid: number };
}

/** The full states of every container of a store: the ids of ps -a, inspected. */
export async function psAll(store: string): Promise<PsEntry[]> {
  const ids = await inStore(store, 'ps', ['-a', '-q', '--no-trunc']);
  if (ids.exitCode !== 0) throw new Error(`ps failed: ${ids.stderr}`);
  const listed = ids.stdout.split('\n').filter((id) => id !== '');
  if (listed.length === 0) return [];
  const out = await inStore(store, 'inspect', listed);
  // A container removed between the two (--rm) is simply not listed.
  if (out.exitCode !== 0 && out.stdout.trim() === '') throw new Error(`inspect failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as PsEntry[];
}

export async function waitForStatus(store: string, id: string, status: string, limitMs = 15000): Promise<PsEntry> {
  const deadline = Date.now() + limitMs * WAIT_SCALE;
  for (;;) {
    const entry = (await psAll(store)).find((candidate) => candidate.id === id);
    if (entry?.status === status) return entry;
    if (Date.now() > deadline) throw new Error(`container ${id} never became ${status}: ${JSON.stringify(entry)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The files left in a store's runtime folder. */
export function runtimeEntries(store: string): string[] {
  try {
    return readdirSync(join(store, 'run'));
  } catch {
    return [];
  }
}

/** Resident memory of a process in KiB, from /proc/PID/status. */
export function residentKib(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** Node.js processes working on this store, other than the test's own. */
export function nodeProcessesOf(store: string): string[] {
  return liveProcesses()
    .filter((p) => p.pid !== process.pid && p.comm.startsWith('node') && p.cmdline.includes(store))
    .map((p) => p.cmdline);
}

export async function waitForText(read: () => string, text: string, what: string): Promise<void> {
  await waitFor(() => (read().includes(text) ? true : undefined), what, 15000);
}

/** The body of a page served by a container, once it answers. */
export async function fetchWhenUp(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const body = await fetch(url)
      .then(async (response) => (response.ok ? response.text() : undefined))
      .catch(() => undefined);
    if (body !== undefined) return body;
    if (attempt === 200) throw new Error(`no answer from ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Removes every container of a store, so that a failed test leaves none running for the next. */
export async function removeAllContainers(store: string): Promise<void> {
  const ids = runtimeEntries(store).filter((name) => /^[0-9a-f]{64}$/.test(name));
  if (ids.length > 0) await inStore(store, 'rm', ['-f', ...ids]);
}

/**
 * Private stores for the tests of one file: each test takes new ones; after
 * each test their containers are removed and nothing may be left running.
 */
export function useStores(prefix: string): { work: string; newStore: () => string } {
  const work = makeTempDir(prefix);
  const stores: string[] = [];
  afterAll(() => removeDir(work));
  afterEach(async () => {
    for (const store of stores.splice(0)) await removeAllContainers(store);
    await expectNoLeftovers();
  });
  let count = 0;
  return {
    work,
    newStore: () => {
      const store = join(work, `store-${count++}`);
      stores.push(store);
      return store;
    },
  };
}
