/**
 * CVE-2017-5226: a command that shares the caller's terminal, without a
 * terminal of its own (no -t), can push keys into it with TIOCSTI; the
 * caller's shell runs them once the container ends. The command must be in a
 * session of its own (the kernel then refuses TIOCSTI on a terminal that is
 * not its controlling one), and the default filter refuses TIOCSTI and TIOCLINUX.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { useEscapeWorkspace, writeEscapeBundle } from './escape-harness.js';
import { ryouiki, RYOUIKI } from './harness.js';
import { HostTerminal } from './host-terminal.js';
import { RUNTIME } from './oci-harness.js';

const space = useEscapeWorkspace('escape-terminal');

let count = 0;
const KEYS = 'echo TYPED-BY-THE-CONTAINER\n';

/** Runs command in a real terminal; returns what the terminal showed of the probe's report and of the keys. */
async function inTerminal(command: string[]): Promise<{ report: string; typed: boolean }> {
  const dir = join(space.work, `terminal-${count++}`);
  mkdirSync(dir);
  const host = new HostTerminal(dir, command);
  const report = await host.expect(/tiocsti: [A-Z]+/, "the probe's report");
  await host.finish();
  // What TIOCSTI pushed is input of the terminal, echoed back by it.
  return { report, typed: host.transcript().includes('TYPED-BY-THE-CONTAINER') };
}

describe('terminal injection', () => {
  it("baseline: a program on the caller's terminal can type into it", async () => {
    expect(await inTerminal([join(space.rootfs, 'bin', 'escape-probe'), 'tiocsti', KEYS])).toEqual({ report: 'tiocsti: OK', typed: true });
  });

  it('tenkai: the default filter refuses TIOCSTI', async () => {
    expect(await inTerminal([RYOUIKI, 'tenkai', '--path', space.rootfs, '--root', space.store, '--', '/bin/escape-probe', 'tiocsti', KEYS])).toEqual({ report: 'tiocsti: EPERM', typed: false });
  });

  it('tenkai --seccomp unconfined: the command is in a session of its own, so the kernel refuses it', async () => {
    expect(await inTerminal([RYOUIKI, 'tenkai', '--path', space.rootfs, '--root', space.store, '--seccomp', 'unconfined', '--', '/bin/escape-probe', 'tiocsti', KEYS])).toEqual({
      report: 'tiocsti: EPERM',
      typed: false,
    });
  });

  it("exec without -t, filtered or not, cannot type into the caller's terminal", async () => {
    const started = await ryouiki(['start', '--path', space.rootfs, '--root', space.store, '--seccomp', 'unconfined', '--command', 'sleep 60']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    try {
      expect(await inTerminal([RYOUIKI, 'exec', '--root', space.store, id, '/bin/escape-probe', 'tiocsti', KEYS])).toEqual({ report: 'tiocsti: EPERM', typed: false });
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  });

  it("ryouiki-runtime run of a bundle without a filter cannot type into the caller's terminal", async () => {
    const bundle = writeEscapeBundle(join(space.work, 'bundle'), space.rootfs, ['/bin/escape-probe', 'tiocsti', KEYS]);
    expect(await inTerminal([RUNTIME, '--root', join(space.work, 'runtime-root'), 'run', '--bundle', bundle, 'tty-inject'])).toEqual({ report: 'tiocsti: EPERM', typed: false });
  });
});
