import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, RYOUIKI, testRootfs } from './harness.js';
import { listenForTerminal, repeatRuns, runOnHostTerminal, sameEachTime } from './host-terminal.js';

// Each case runs a container many times in a row, each on a new terminal: a stray
// NUL showed in most runs with a network, in about half without one.
const RUNS = 20;
const FEWER_RUNS = 10;
const PER_RUN_MS = 6000;

let work: string;
let dir: string;
let store: string;
let count = 0;

beforeAll(() => {
  work = makeTempDir('terminal-bytes');
});
afterAll(() => removeDir(work));

beforeEach(() => {
  dir = join(work, `case-${count++}`);
  store = join(dir, 'store');
  mkdirSync(dir);
});
afterEach(async () => {
  await expectNoLeftovers(work);
});

function tenkai(args: string[]): string[] {
  return [RYOUIKI, 'tenkai', '--path', testRootfs(), '--root', store, ...args];
}

describe('ryouiki tenkai -it on a host terminal where script(1) typed an end-of-file before it started', () => {
  it.each(['slirp4netns', 'pasta', 'none'])(
    "shows exactly the command's output with --network %s, many times in a row",
    async (mode) => {
      const runs = await repeatRuns(RUNS, () => runOnHostTerminal(tenkai(['-it', '--network', mode, '--', '/bin/echo', 'hi'])));
      expect(runs).toEqual(sameEachTime(RUNS, 'hi\r\n'));
    },
    RUNS * PER_RUN_MS,
  );

  // The host terminal echoes what script types as it types it (but for a Ctrl-D);
  // the container's terminal echoes it again when it arrives there.
  it('passes on a whole line typed before the container started as typed, then the end-of-file', async () => {
    const run = await runOnHostTerminal(tenkai(['-it', '--network', 'none', '--', '/bin/sh', '-c', 'read a; read b || echo "[$a] then the end"']), 'one\n');
    expect(run).toEqual({ shown: expect.stringMatching(/^(one\r\n)?one\r\n\[one\] then the end\r\n$/), exitCode: 0 });
  });

  it('passes on a line that a Ctrl-D ended before the container started: it ends a read there too', async () => {
    const run = await runOnHostTerminal(tenkai(['-it', '--network', 'none', '--', '/bin/sh', '-c', 'dd bs=64 count=1 2>/dev/null; echo " was read"']), 'one');
    expect(run).toEqual({ shown: expect.stringMatching(/^(one)?oneone was read\r\n$/), exitCode: 0 });
  });
});

describe('ryouiki tenkai -t --console-socket', () => {
  it(
    "sends a terminal that holds exactly the command's output, with slirp4netns set up meanwhile, many times in a row",
    async () => {
      const runs = await repeatRuns(FEWER_RUNS, async (run) => {
        const socket = join(dir, `console-${run}.sock`);
        const receiver = await listenForTerminal(socket);
        const shown = await runOnHostTerminal(tenkai(['-t', '--console-socket', socket, '--network', 'slirp4netns', '--', '/bin/echo', 'hi']));
        const received = await receiver.result;
        return { shown: `${shown.shown}|${received.stdout}`, exitCode: shown.exitCode };
      });
      expect(runs).toEqual(sameEachTime(FEWER_RUNS, '|listening\nname=/dev/pts/0\nhi\r\n'));
    },
    FEWER_RUNS * PER_RUN_MS,
  );
});
