import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { RYOUIKI } from './harness.js';
import { listenForTerminal, repeatRuns, runOnHostTerminal, sameEachTime } from './host-terminal.js';
import { containersIn, runtime, writeBundle } from './oci-harness.js';
import { inStore, startDetached, useStores } from './detached-harness.js';

// As terminal-bytes.test.ts, for the terminals of detached containers.
const RUNS = 10;
const PER_RUN_MS = 12000;

const { work, newStore } = useStores('detached-terminal-bytes');

describe('a host terminal where script(1) typed an end-of-file before the client started', () => {
  it(
    "exec -it shows exactly the program's output, many times in a row",
    async () => {
      const store = newStore();
      const id = await startDetached(store, ['--', 'sleep', '600']);
      const runs = await repeatRuns(RUNS, () => runOnHostTerminal([RYOUIKI, 'exec', '--root', store, '-it', id, '--', '/bin/echo', 'hi']));
      expect(runs).toEqual(sameEachTime(RUNS, 'hi\r\n'));
    },
    RUNS * PER_RUN_MS,
  );

  it(
    'attach to start -it passes the end-of-file on as Ctrl-D, and shows exactly the output, many times in a row',
    async () => {
      const store = newStore();
      const runs = await repeatRuns(RUNS, async () => {
        const id = await startDetached(store, ['-it', '--', '/bin/sh', '-c', 'read x; echo "hi [$x]"']);
        const run = await runOnHostTerminal([RYOUIKI, 'attach', '--root', store, id]);
        await inStore(store, 'rm', ['-f', id]);
        return run;
      });
      expect(runs).toEqual(sameEachTime(RUNS, 'hi []\r\n'));
    },
    RUNS * PER_RUN_MS,
  );
});

describe('ryouiki-runtime create --console-socket', () => {
  it(
    "sends a terminal that holds exactly the command's output, many times in a row",
    async () => {
      const dir = join(work, 'runtime');
      const root = join(dir, 'root');
      const bundle = writeBundle(join(dir, 'bundle'), { args: ['/bin/echo', 'hi'], terminal: true });
      const runs = await repeatRuns(RUNS, async (run) => {
        const socket = join(dir, `console-${run}.sock`);
        const receiver = await listenForTerminal(socket);
        const id = `tty${run}`;
        const created = await runtime(dir, root, ['create', '--bundle', bundle, '--console-socket', socket, id], 'create');
        const started = await runtime(dir, root, ['start', id], 'start');
        const received = await receiver.result;
        await runtime(dir, root, ['delete', '--force', id], 'delete');
        return { shown: `${created.stderr}${started.stderr}${received.stdout}`, exitCode: received.exitCode };
      });
      expect(runs).toEqual(sameEachTime(RUNS, 'listening\nname=/dev/pts/0\nhi\r\n'));
      expect(containersIn(root)).toEqual([]);
    },
    RUNS * PER_RUN_MS,
  );
});
