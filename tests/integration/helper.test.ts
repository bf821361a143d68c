import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
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
    for (const flag of [
      '--rootfs',
      '--hostname',
      '--cwd',
      '--env',
      '--share-net',
      '--read-only',
      '--info-fd',
      '--block-fd',
      '--no-idmap',
      '--uid-map',
      '--gid-map',
      '--newuidmap',
      '--newgidmap',
      '--id-map-fallback',
      '--bind-file',
    ]) {
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

/** The test user's first subordinate range in /etc/subuid or /etc/subgid, as START. */
function subordinateStart(file: string): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${userInfo().username}:`));
  return Number(line?.split(':')[1]);
}

function mapLines(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

describe('ryouiki-init writing the full id maps itself (--uid-map, --gid-map)', () => {
  const uid = String(process.getuid?.());
  const gid = String(process.getgid?.());
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ryouiki-idmap-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fullMapArgs(): string[] {
    return ['--uid-map', `0:${uid}:1`, '--uid-map', `1:${subordinateStart('/etc/subuid')}:1000`, '--gid-map', `0:${gid}:1`, '--gid-map', `1:${subordinateStart('/etc/subgid')}:1000`];
  }

  function failingTool(name: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho "${name}: refused here" >&2\nexit 1\n`, { mode: 0o755 });
    return path;
  }

  async function runToEnd(args: string[]) {
    const started = startHelper([...args, '--', '/bin/cat', '/proc/self/uid_map', '/proc/self/gid_map']);
    started.block.on('error', () => undefined);
    const outcome = collect(started.child);
    const pidEvent = await waitFor(() => started.events().find((event) => 'pid' in event || 'exit' in event), 'the pid or exit event');
    // Written before the pid line: nothing the caller joins to the namespace then sees another map.
    const mapsAtPid = 'pid' in pidEvent ? readFileSync(`/proc/${String(pidEvent.pid)}/uid_map`, 'utf8') : '';
    started.block.end('x');
    return { ...(await outcome), mapsAtPid, events: started.events() };
  }

  it('runs newuidmap and newgidmap before the pid line', async () => {
    const out = await runToEnd(fullMapArgs());
    expect(out.exitCode).toBe(0);
    expect(mapLines(out.mapsAtPid)).toEqual([
      ['0', uid, '1'],
      ['1', String(subordinateStart('/etc/subuid')), '1000'],
    ]);
    expect(mapLines(out.stdout)).toEqual([
      ['0', uid, '1'],
      ['1', String(subordinateStart('/etc/subuid')), '1000'],
      ['0', gid, '1'],
      ['1', String(subordinateStart('/etc/subgid')), '1000'],
    ]);
    expect(out.events.map((event) => Object.keys(event)[0])).toEqual(['pid', 'exec', 'exit']);
  });

  it('with --id-map-fallback, falls back to uid 0 alone when newuidmap fails, keeping the gid map, and warns once', async () => {
    const out = await runToEnd([...fullMapArgs(), '--newuidmap', failingTool('newuidmap'), '--id-map-fallback']);
    expect(out.exitCode).toBe(0);
    expect(mapLines(out.stdout)).toEqual([
      ['0', uid, '1'],
      ['0', gid, '1'],
      ['1', String(subordinateStart('/etc/subgid')), '1000'],
    ]);
    expect(out.events.filter((event) => 'warning' in event)).toEqual([{ warning: 'newuidmap failed (newuidmap: refused here): using a single-id map, only uid 0 exists inside' }]);
    expect(Object.keys(out.events[0] ?? {})).toEqual(['warning']);
    expect(out.stderr).toBe('');
  });

  it('with --id-map-fallback, writes both single-id maps when both tools fail', async () => {
    const out = await runToEnd([...fullMapArgs(), '--newuidmap', failingTool('newuidmap'), '--newgidmap', failingTool('newgidmap'), '--id-map-fallback']);
    expect(out.exitCode).toBe(0);
    expect(mapLines(out.stdout)).toEqual([
      ['0', uid, '1'],
      ['0', gid, '1'],
    ]);
    expect(out.events.filter((event) => 'warning' in event)).toHaveLength(1);
  });

  it("fails with the tool's message and 125, the container never started, without --id-map-fallback or when newgidmap fails", async () => {
    const missing = join(dir, 'no-such-newuidmap');
    for (const [args, message] of [
      [['--newuidmap', failingTool('newuidmap')], 'id map: newuidmap: newuidmap: refused here'],
      [['--newuidmap', missing], `id map: newuidmap: ${missing}: No such file or directory`],
      [['--newgidmap', failingTool('newgidmap'), '--id-map-fallback'], 'id map: newgidmap: newgidmap: refused here'],
    ] as const) {
      const out = await runToEnd([...fullMapArgs(), ...args]);
      expect(out.exitCode).toBe(125);
      expect(out.stdout).toBe('');
      expect(out.events).toEqual([{ error: message, step: 'id map', code: 125 }, { exit: 125 }]);
    }
  });
});
