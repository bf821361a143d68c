import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { collect, expectNoLeftovers, makeTempDir, removeDir, RYOUIKI, ryouiki, testRootfs } from './harness.js';

let work: string;
let files: Record<string, string>;

beforeAll(() => {
  work = makeTempDir('bad-input');
  const shellless = join(work, 'shellless');
  mkdirSync(join(shellless, 'bin'), { recursive: true });
  const noProc = join(work, 'noproc');
  mkdirSync(join(noProc, 'dev'), { recursive: true });
  mkdirSync(join(noProc, 'bin'));
  symlinkSync('/bin/busybox', join(noProc, 'bin', 'sh'));
  const unreadable = join(work, 'unreadable.env');
  writeFileSync(unreadable, 'A=1\n');
  chmodSync(unreadable, 0o000);
  const malformed = join(work, 'malformed.env');
  writeFileSync(malformed, 'PATH=/bin\n\nthis is not a pair\n');
  const aFile = join(work, 'a-file');
  writeFileSync(aFile, '');
  const unreadableRootfs = join(work, 'unreadable-rootfs');
  mkdirSync(unreadableRootfs);
  chmodSync(unreadableRootfs, 0o000);
  const nul = join(work, 'nul.env');
  writeFileSync(nul, 'PATH=/bin\nA=x\0y\n');
  const huge = join(work, 'huge.env');
  writeFileSync(huge, `PATH=/bin\nHUGE=${'x'.repeat(1024 * 1024)}\n`);
  // Each variable under the limit for one, together over the limit for all (a quarter of an 8 MiB stack).
  const manyBig = join(work, 'many-big.env');
  writeFileSync(manyBig, Array.from({ length: 30 }, (_, i) => `BIG${i}=${'x'.repeat(100 * 1024)}\n`).join(''));
  const unreadableEtc = join(work, 'unreadable-etc');
  for (const folder of ['bin', 'dev', 'proc', 'etc']) mkdirSync(join(unreadableEtc, folder), { recursive: true });
  symlinkSync('/bin/busybox', join(unreadableEtc, 'bin', 'sh'));
  chmodSync(join(unreadableEtc, 'etc'), 0o000);
  files = { shellless, noProc, unreadable, malformed, aFile, unreadableRootfs, nul, huge, manyBig, unreadableEtc };
});
afterAll(() => {
  chmodSync(files.unreadableRootfs!, 0o700);
  chmodSync(join(files.unreadableEtc!, 'etc'), 0o700);
  removeDir(work);
});

const cases: Array<[string, () => string[], RegExp]> = [
  ['a missing rootfs', () => ['--path', join(work, 'missing'), '--command', 'id'], /^rootfs .*\/missing does not exist: give --path an existing folder$/],
  ['a rootfs that is a file', () => ['--path', files.aFile!, '--command', 'id'], /^rootfs .*a-file is not a directory: /],
  ['a rootfs without /bin/sh for --command', () => ['--path', files.shellless!, '--command', 'id'], /^rootfs .*shellless has no \/bin\/sh to run --command: /],
  ['a rootfs without /proc', () => ['--path', files.noProc!, '--command', 'id'], /^rootfs: .*noproc has no \/proc directory: create it/],
  ['a missing env file', () => ['--path', testRootfs(), '--env', join(work, 'nope.env'), '--command', 'id'], /^env file .*nope.env does not exist: /],
  ['an unreadable env file', () => ['--path', testRootfs(), '--env', files.unreadable!, '--command', 'id'], /^env file .*unreadable.env cannot be read \(.*\): check its permissions$/],
  [
    'an unreadable rootfs',
    () => ['--path', files.unreadableRootfs!, '--command', 'id'],
    /^rootfs .*unreadable-rootfs cannot be read by you \(permission denied\): make it readable and searchable \(chmod u\+rx .*\)$/,
  ],
  [
    'a NUL byte in the env file',
    () => ['--path', testRootfs(), '--env', files.nul!, '--', 'env'],
    /^env file .*nul.env line 2: the value of A holds a NUL byte, which no environment can carry: remove it$/,
  ],
  [
    "an env value over the kernel's limit for one variable",
    () => ['--path', testRootfs(), '--env', files.huge!, '--', 'env'],
    /^HUGE is 1048582 bytes, over the kernel's limit of 131072 bytes for one environment variable \(MAX_ARG_STRLEN\): pass big data in a file \(a volume\) instead$/,
  ],
  [
    "an environment over the kernel's limit for all variables together",
    () => ['--path', testRootfs(), '--env', files.manyBig!, '--', 'env'],
    /^the container's environment \(--env, --env-file, -e\) is \d+ bytes in 31 variables, over the kernel's limit of \d+ bytes for a program's arguments and environment \(a quarter of the stack limit, ulimit -s\): pass big data in a file \(a volume\) instead$/,
  ],
  [
    'a rootfs whose /etc cannot be read',
    () => ['--path', files.unreadableEtc!, '--', 'true'],
    /^rootfs .*unreadable-etc cannot be read by you at \/etc\/\w+ \(permission denied\): make its folders readable and searchable \(chmod u\+rx .*unreadable-etc\/etc\)$/,
  ],
  ['a malformed env line', () => ['--path', testRootfs(), '--env', files.malformed!, '--command', 'id'], /^env file .*malformed.env line 3: expected KEY=VALUE/],
  ['an empty command', () => ['--path', testRootfs(), '--command', ''], /^the command is empty: /],
  ['no command at all', () => ['--path', testRootfs()], /^the command is empty: /],
  ['both --command and a program', () => ['--path', testRootfs(), '--command', 'id', '--', 'id'], /^give either --command STRING or -- PROGRAM ARGS, not both$/],
  ['an unknown flag', () => ['--path', testRootfs(), '--frobnicate', '--command', 'id'], /^Nonexistent flag: --frobnicate: see ryouiki --help$/],
  ['a missing --path', () => ['--command', 'id'], /^no container given: pass --path ROOTFS with a command, --image IMAGE, or --bundle DIR$/],
  ['an unknown network mode', () => ['--path', testRootfs(), '--network', 'bridge', '--command', 'id'], /^unknown network mode "bridge": use one of slirp4netns, pasta, none, host$/],
];

describe('bad input to ryouiki tenkai', () => {
  it.each(cases)('refuses %s: one line, exit 125, nothing left behind', async (_name, args, message) => {
    const store = join(work, 'store');
    const out = await ryouiki(['tenkai', '--root', store, ...args()]);
    expect(out.exitCode).toBe(125);
    expect(out.stdout).toBe('');
    const lines = out.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ryouiki: /);
    expect(lines[0]!.replace(/^ryouiki: /, '')).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    await expectNoLeftovers();
    if (existsSync(store)) expect(readdirSync(store).filter((name) => !['binding_vow', 'run'].includes(name))).toEqual([]);
    for (const folder of ['binding_vow', 'run']) {
      if (existsSync(join(store, folder))) expect(readdirSync(join(store, folder))).toEqual([]);
    }
  });

  it('refuses --console-socket on start (its supervisor holds the terminal), and -i without -t, with exit 125', async () => {
    const cases: Array<[string[], string]> = [
      [['-t', '--console-socket', join(work, 'console.sock')], 'ryouiki start does not take --console-socket: its supervisor holds the terminal; connect to it with ryouiki attach'],
      [['-i'], "ryouiki start -i needs -t: a detached container's input comes through ryouiki attach, which needs its terminal; add -t"],
    ];
    for (const [flags, message] of cases) {
      const store = join(work, 'start-tty');
      const out = await ryouiki(['start', '--root', store, '--path', testRootfs(), ...flags, '--', 'sh']);
      expect(out).toMatchObject({ exitCode: 125, stdout: '', stderr: `ryouiki: ${message}\n` });
      await expectNoLeftovers();
    }
  });

  it('names an unwritable runtime folder and what to do, with exit 125 and nothing left', async () => {
    const store = join(work, 'unwritable-runtime');
    mkdirSync(join(store, 'run'), { recursive: true, mode: 0o700 });
    chmodSync(join(store, 'run'), 0o500);
    const out = await ryouiki(['tenkai', '--root', store, '--path', testRootfs(), '--', 'true']);
    chmodSync(join(store, 'run'), 0o700);
    expect(out).toMatchObject({ exitCode: 125, stdout: '' });
    expect(out.stderr).toBe(`ryouiki: cannot write ${join(store, 'run')}: permission denied: make the folder writable by you, or give another --root\n`);
    expect(readdirSync(join(store, 'run'))).toEqual([]);
    await expectNoLeftovers();
  });

  it('says a container its memory limit killed before its command ran was out of memory (--memory 4k)', async () => {
    const store = join(work, 'tiny-memory');
    const out = await ryouiki(['tenkai', '--root', store, '--path', testRootfs(), '--memory', '4k', '--', 'true']);
    expect(out).toMatchObject({ exitCode: 125, stdout: '' });
    expect(out.stderr).toBe(
      "ryouiki: the container ran out of memory before its command started: its memory limit of 4096 bytes (--memory, linux.resources.memory.limit) is too small for the runtime's set-up; raise it\n",
    );
    await expectNoLeftovers();
    expect(existsSync(join(store, 'run'))).toBe(false);
  });

  it("names a file size limit below the helper's size (it runs from a copy of itself in memory), with exit 125 and nothing left", async () => {
    const store = join(work, 'small-fsize');
    const out = await collect(spawn('prlimit', ['--fsize=51200', RYOUIKI, 'tenkai', '--root', store, '--path', testRootfs(), '--', 'true'], { stdio: 'pipe' }), '');
    expect(out).toMatchObject({ exitCode: 125, stdout: '' });
    expect(out.stderr).toMatch(
      /^ryouiki: the file size limit \(ulimit -f\) of 51200 bytes is below the size of ryouiki-init \(\d+ bytes\), which runs from a copy of itself in memory: raise it, e\.g\. ulimit -f unlimited\n$/,
    );
    await expectNoLeftovers();
    expect(existsSync(join(store, 'run'))).toBe(false);
  });

  it('refuses an unknown command with exit 125', async () => {
    const out = await ryouiki(['frobnicate']);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toBe('ryouiki: command frobnicate not found: see ryouiki --help\n');
    // Not joined to the words after it, as oclif's topics would have it (`frobnicate:alpine`).
    expect(await ryouiki(['frobnicate', 'alpine', 'sh'])).toMatchObject({ exitCode: 125, stderr: 'ryouiki: command frobnicate not found: see ryouiki --help\n' });
  });
});
