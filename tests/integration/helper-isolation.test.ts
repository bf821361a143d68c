import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, HELPER, makeTempDir, removeDir, testRootfs } from './harness.js';

let work: string;

beforeAll(() => {
  work = makeTempDir('helper-isolation');
});
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

function helper(args: string[]) {
  return collect(spawn(HELPER, ['--rootfs', testRootfs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('ryouiki-init isolation flags, driven directly', () => {
  it('documents every isolation flag in --help', async () => {
    const result = await collect(spawn(HELPER, ['--help']));
    for (const flag of ['--bind', '--ro-bind', '--tmpfs', '--make-mount-points', '--overlay', '--overlay-keep-upper', '--overlay-driver', '--user', '--caps', '--privileged', '--seccomp']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('fails with one line and exit 125 where neither overlayfs nor fuse-overlayfs can mount', async () => {
    const state = join(work, 'state');
    mkdirSync(join(state, 'upper'), { recursive: true });
    mkdirSync(join(state, 'work'));
    // No merged/ to mount on: the kernel and fuse-overlayfs both refuse.
    const result = await helper(['--overlay', state, '--', '/bin/true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^ryouiki-init: overlay: the kernel refused overlayfs \(No such file or directory\) and fuse-overlayfs failed too: /);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(state).sort()).toEqual(['upper', 'work']);
  });

  it('refuses bad isolation flag values before starting anything', async () => {
    for (const [args, message] of [
      [['--caps', 'CHOWN'], '--caps: CHOWN: not all, or numbers from 0 to 63 separated by commas'],
      [['--user', '1000'], '--user: 1000: not UID:GID'],
      [['--bind', '/tmp:relative'], '--bind: /tmp:relative: not SOURCE:DEST with an absolute DEST'],
      [['--make-mount-points'], '--make-mount-points requires --overlay (the rootfs itself is never written)'],
      [['--overlay-keep-upper'], '--overlay-keep-upper requires --overlay'],
      [['--seccomp', join(work, 'missing.rules')], `seccomp: ${join(work, 'missing.rules')}: No such file or directory`],
    ] as Array<[string[], string]>) {
      const result = await helper([...args, '--', '/bin/true']);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toBe(`ryouiki-init: ${message}\n`);
    }
  });

  it('reports a bad seccomp rule with its line', async () => {
    const rules = join(work, 'bad.rules');
    writeFileSync(rules, 'default allow\nerrno:1 keyctl 7:eq:1\n');
    const result = await helper(['--seccomp', rules, '--', '/bin/true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('ryouiki-init: seccomp: line 2: 7:eq:1: not INDEX:OP:VALUE or INDEX:masked_eq:MASK:VALUE\n');
  });
});
