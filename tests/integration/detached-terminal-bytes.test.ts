import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { RYOUIKI } from './harness.js';
import { listenForTerminal, repeatRuns, runOnHostTerminal, runSummary, sameEachTime } from './host-terminal.js';
import { containersIn, RUNTIME, runtime, writeBundle } from './oci-harness.js';
import { inStore, startDetached, useStores } from './detached-harness.js';

// As terminal-bytes.test.ts, for the terminals of detached containers.
const RUNS = 10;
const PER_RUN_MS = 12000;

const { work, newStore } = useStores('detached-terminal-bytes');

describe('a host terminal where script(1) typed an end-of-file before the client started', () => {
  it.each(['slirp4netns', 'pasta', 'none'])(
    "exec -it shows exactly the program's output in a container with --network %s, many times in a row",
    async (mode) => {
      const store = newStore();
      const id = await startDetached(store, ['--network', mode, '--', 'sleep', '600']);
      const runs = await repeatRuns(RUNS, () => runOnHostTerminal([RYOUIKI, 'exec', '--root', store, '-it', id, '--', '/bin/echo', 'hi']));
      await inStore(store, 'rm', ['-f', id]);
      expect(runs).toEqual(sameEachTime(RUNS, 'hi\r\n'));
    },
    RUNS * PER_RUN_MS,
  );

  it.each(['slirp4netns', 'pasta', 'none'])(
    'attach to start -it --network %s passes the end-of-file on as Ctrl-D, and shows exactly the output, many times in a row',
    async (mode) => {
      const store = newStore();
      const runs = await repeatRuns(RUNS, async () => {
        const id = await startDetached(store, ['-it', '--network', mode, '--', '/bin/sh', '-c', 'read x; echo "hi [$x]"']);
        const run = await runOnHostTerminal([RYOUIKI, 'attach', '--root', store, id]);
        await inStore(store, 'rm', ['-f', id]);
        return run;
      });
      expect(runs).toEqual(sameEachTime(RUNS, 'hi []\r\n'));
    },
    RUNS * PER_RUN_MS,
  );
});

describe('ryouiki-runtime create --console-socket, run on a host terminal where script(1) typed an end-of-file', () => {
  it(
    "sends a terminal that holds exactly the command's output, and shows nothing on the host terminal, many times in a row",
    async () => {
      const dir = join(work, 'runtime');
      const root = join(dir, 'root');
      const bundle = writeBundle(join(dir, 'bundle'), { args: ['/bin/echo', 'hi'], terminal: true });
      const runs = await repeatRuns(RUNS, async (run) => {
        const socket = join(dir, `console-${run}.sock`);
        const receiver = await listenForTerminal(socket);
        const id = `tty${run}`;
        const created = await runOnHostTerminal([RUNTIME, '--root', root, 'create', '--bundle', bundle, '--console-socket', socket, id]);
        const started = await runOnHostTerminal([RUNTIME, '--root', root, 'start', id]);
        const received = await receiver.result;
        await runtime(dir, root, ['delete', '--force', id], 'delete');
        return { shown: `${runSummary(created)}|${runSummary(started)}|${received.stdout}`, exitCode: received.exitCode };
      });
      expect(runs).toEqual(sameEachTime(RUNS, 'exit 0: ""|exit 0: ""|listening\nname=/dev/pts/0\nhi\r\n'));
      expect(containersIn(root)).toEqual([]);
    },
    RUNS * PER_RUN_MS,
  );
});
