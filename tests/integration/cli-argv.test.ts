import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, ryouiki, testRootfs, waitFor, type Outcome } from './harness.js';
import { ARGV_SEED, randomArgs, seededRandom } from './random-argv.js';

// Every command that takes a program gets it byte for byte, whatever the
// arguments look like: the program prints each argument it received,
// NUL-terminated, and the test compares them with what it gave.

const work = makeTempDir('cli-argv');
const store = join(work, 'store');
afterAll(() => removeDir(work));

const PRINT_ARGS = 'for a; do printf "%s\\0" "$a"; done';
const CASES = 6;

function received(bytes: string): string[] {
  return bytes === '' ? [] : bytes.slice(0, -1).split('\0');
}

/** The program, its arguments, and ryouiki's flags before it: with or without `--`, and flags of several kinds. */
function argvCase(random: () => number, flagSets: string[][]) {
  const args = randomArgs(random);
  const flags = flagSets[Math.floor(random() * flagSets.length)] as string[];
  const separator = random() < 0.5 ? ['--'] : [];
  return { args, flags, separator };
}

function describeCase(command: string, given: string[]): string {
  return `seed ${ARGV_SEED} (RYOUIKI_TEST_SEED replays it): ryouiki ${command} ${JSON.stringify(given)}`;
}

function expectReceived(out: Outcome, bytes: string, args: string[], what: string): void {
  expect({ what, exitCode: out.exitCode, stderr: out.stderr, args: received(bytes) }).toEqual({ what, exitCode: 0, stderr: '', args });
}

const FOREGROUND_FLAGS = [[], ['--network', 'none'], ['-e', 'X=1', '--network=none'], ['-w', '/', '-v', `${work}:/tmp`, '--network', 'none'], ['--rm', '--name', 'argv']];

describe("the program's arguments reach it byte for byte", () => {
  const random = seededRandom(ARGV_SEED);

  it.each(['tenkai', 'run'])('%s, foreground: its stdout shows what it received', async (command) => {
    for (let index = 0; index < CASES; index++) {
      const { args, flags, separator } = argvCase(random, FOREGROUND_FLAGS);
      const given = [command, ...flags, '--root', store, '--path', testRootfs(), ...separator, '/bin/sh', '-c', PRINT_ARGS, 'sh', ...args];
      const out = await ryouiki(given);
      expectReceived(out, out.stdout, args, describeCase(command, given));
    }
    await expectNoLeftovers();
  });

  it.each([['start'], ['run', '-d']])('%s detached: the arguments written to a volume', async (...command) => {
    const out = join(work, `out-${command.join('')}`);
    mkdirSync(out, { recursive: true });
    for (let index = 0; index < CASES; index++) {
      rmSync(join(out, 'args'), { force: true });
      const { args, flags, separator } = argvCase(random, [
        ['--network', 'none'],
        ['-e', 'X=1', '--network=none'],
        ['-p', `127.0.0.1:${20000 + Math.floor(random() * 20000)}:80`],
      ]);
      const given = [
        ...command,
        ...flags,
        '--rm',
        '--root',
        store,
        '-v',
        `${out}:/tmp`,
        '--path',
        testRootfs(),
        ...separator,
        '/bin/sh',
        '-c',
        `${PRINT_ARGS} > /tmp/args.new; mv /tmp/args.new /tmp/args`,
        'sh',
        ...args,
      ];
      const started = await ryouiki(given);
      const what = describeCase(command.join(' '), given);
      expect({ what, exitCode: started.exitCode, stderr: started.stderr }).toEqual({ what, exitCode: 0, stderr: '' });
      await waitFor(() => (existsSync(join(out, 'args')) ? true : undefined), 'the container to write its arguments');
      expectReceived({ ...started, stdout: '' }, readFileSync(join(out, 'args'), 'utf8'), args, what);
    }
  });

  it('exec: the program after the container, with or without --', async () => {
    const started = await ryouiki(['start', '--name', 'argv-exec', '--network', 'none', '--root', store, '--path', testRootfs(), 'sleep', '300']);
    expect(started.exitCode).toBe(0);
    try {
      for (let index = 0; index < CASES * 2; index++) {
        const { args, flags, separator } = argvCase(random, [[], ['-e', 'X=1'], ['-w', '/tmp', '-e', 'Y=2', '-e', 'Z=3'], ['-u', '0']]);
        const given = ['exec', ...flags, '--root', store, 'argv-exec', ...separator, '/bin/sh', '-c', PRINT_ARGS, 'sh', ...args];
        const out = await ryouiki(given);
        expectReceived(out, out.stdout, args, describeCase('exec', given));
      }
    } finally {
      await ryouiki(['rm', '-f', '--root', store, 'argv-exec']);
    }
  });
});

describe("the issue's own examples", () => {
  it("keeps repeated tokens in order and takes none of them for ryouiki's flags", async () => {
    const path = testRootfs();
    expect((await ryouiki(['tenkai', '--root', store, '--path', path, '--', 'echo', 'b', 'a', 'b'])).stdout).toBe('b a b\n');
    expect((await ryouiki(['tenkai', '--network', 'none', '--root', store, '--path', path, '--', 'echo', 'first', 'none'])).stdout).toBe('first none\n');
    expect((await ryouiki(['tenkai', '--root', store, '--path', path, 'echo', '--help', '-v', '--debug'])).stdout).toBe('--help -v --debug\n');
    await expectNoLeftovers();
  });

  it("passes a program's own flags without --, as podman exec does", async () => {
    await ryouiki(['start', '--name', 'argv-ps', '--network', 'none', '--root', store, '--path', testRootfs(), 'sleep', '300']);
    try {
      const out = await ryouiki(['exec', '--root', store, 'argv-ps', 'ps', '-o', 'pid,args']);
      expect(out.exitCode).toBe(0);
      expect(out.stdout.split('\n')[0]).toMatch(/^\s*PID\s+COMMAND/);
      expect((await ryouiki(['exec', '--root', store, 'argv-ps', 'echo', '1', '2', '1', '2'])).stdout).toBe('1 2 1 2\n');
    } finally {
      await ryouiki(['rm', '-f', '--root', store, 'argv-ps']);
    }
  });
});
