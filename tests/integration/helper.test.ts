import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, HELPER, testRootfs, treeDigest, waitFor } from './harness.js';

afterEach(async () => {
  await expectNoLeftovers();
});

function startHelper(args: string[]) {
  const child = spawn(HELPER, ['--rootfs', testRootfs(), '--info-fd', '3', '--block-fd', '4', ...args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const info = child.stdio[3] as Readable;
  const block = child.stdio[4] as Writable;
  let events = '';
  info.setEncoding('utf8').on('data', (chunk: string) => (events += chunk));
  return {
    child,
    block,
    events: () =>
      events
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('ryouiki-init, driven directly', () => {
  it('reports the container PID on --info-fd and holds the command until --block-fd gets a byte', async () => {
    const { child, block, events } = startHelper(['--', '/bin/echo', 'released']);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const outcome = collect(child);
    const pidEvent = await waitFor(() => events().find((event) => 'pid' in event), 'the pid event');
    expect(pidEvent.pid).toEqual(expect.any(Number));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stdout).toBe('');
    block.end('x');
    const result = await outcome;
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('released\n');
    expect(events()).toEqual([{ pid: pidEvent.pid }, { exec: true }, { exit: 0 }]);
  });

  it('gives up with exit 125 when --block-fd closes without a byte', async () => {
    const { child, block, events } = startHelper(['--', '/bin/true']);
    const outcome = collect(child);
    await waitFor(() => events().find((event) => 'pid' in event), 'the pid event');
    block.end();
    const result = await outcome;
    expect(result.exitCode).toBe(125);
    expect(events().some((event) => String(event.error).includes('block-fd'))).toBe(true);
  });

  it('documents every flag in --help', async () => {
    const result = await collect(spawn(HELPER, ['--help']));
    expect(result.exitCode).toBe(0);
    for (const flag of ['--rootfs', '--hostname', '--cwd', '--env', '--share-net', '--read-only', '--info-fd', '--block-fd', '--no-idmap', '--bind-file']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('refuses an unknown flag with exit 125 and one line', async () => {
    const result = await collect(spawn(HELPER, ['--bogus']));
    expect(result.exitCode).toBe(125);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ryouiki-init: /);
  });

  it('binds a copy of a --bind-file source, which may be deleted once the pid is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ryouiki-bind-'));
    const source = join(dir, 'hosts');
    writeFileSync(source, '10.1.2.3 generated\n');
    const rootfsHosts = readFileSync(join(testRootfs(), 'etc', 'hosts'), 'utf8');
    try {
      const { child, block, events } = startHelper(['--bind-file', source, '/etc/hosts', '--', '/bin/sh', '-c', 'cat /etc/hosts; echo more >> /etc/hosts; ls -a /dev | grep -c ryouiki || true']);
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const outcome = collect(child);
      await waitFor(() => events().find((event) => 'pid' in event), 'the pid event');
      rmSync(source);
      block.end('x');
      expect((await outcome).exitCode).toBe(0);
      expect(stdout).toBe('10.1.2.3 generated\n0\n');
      expect(readFileSync(join(testRootfs(), 'etc', 'hosts'), 'utf8')).toBe(rootfsHosts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds a --bind-file whose destination the rootfs lacks on a tmpfs over its folder, the rootfs unchanged', async () => {
    const before = treeDigest(testRootfs());
    const { child, block, events } = startHelper(['--bind-file', join(testRootfs(), 'etc', 'passwd'), '/etc/no-such-file', '--', '/bin/grep', '-c', '^root:', '/etc/no-such-file']);
    const outcome = collect(child);
    await waitFor(() => events().find((event) => 'pid' in event), 'the pid event');
    block.end('x');
    expect(await outcome).toMatchObject({ exitCode: 0, stdout: '1\n' });
    expect(treeDigest(testRootfs())).toBe(before);
  });
});
