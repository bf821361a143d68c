import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { listProcessLogPids } from '@ryouiki/logs';
import { expectNoLeftovers, HELPER, leftovers, makeTempDir, removeDir, RYOUIKI, tenkai, testRootfs, waitFor } from './harness.js';
import { containerProcess, expectContainerShell, expectCtrlCInterrupts, expectSizeFollows, HostTerminal, listenForTerminal, shellLine } from './host-terminal.js';

let work: string;
let dir: string;
let store: string;
let terminal: HostTerminal | undefined;

beforeAll(() => {
  work = makeTempDir('terminal');
});
afterAll(() => removeDir(work));

let count = 0;
beforeEach(() => {
  dir = join(work, `case-${count++}`);
  store = join(dir, 'store');
  mkdirSync(dir);
});
afterEach(async () => {
  terminal?.kill();
  terminal = undefined;
  await expectNoLeftovers(work);
});

function tenkaiInTerminal(args: string[], size?: { rows: number; cols: number }): HostTerminal {
  terminal = new HostTerminal(dir, [RYOUIKI, 'tenkai', '--path', testRootfs(), '--root', store, ...args], size);
  return terminal;
}

/** The helper, ryouiki-init on the host side: the parent of the container's init. */
function helperProcess(): number | undefined {
  const init = listProcessLogPids(store)[0];
  return leftovers().find((p) => p.comm === 'ryouiki-init' && p.pid !== init)?.pid;
}

describe('ryouiki tenkai -it', () => {
  it("gives an interactive shell the container's own /dev/pts/0 and restores the host terminal after", async () => {
    const host = tenkaiInTerminal(['-it', '--', '/bin/sh']);
    await expectContainerShell(host);
  });

  it("lets Ctrl-C interrupt the shell's foreground job, and the shell survives", async () => {
    const host = tenkaiInTerminal(['-it', '--', '/bin/sh']);
    await expectCtrlCInterrupts(host, 100);
    await shellLine(host, 'exit');
    expect(await host.finish()).toBe(0);
    expect(host.settings().after).toBe(host.settings().before);
  });

  it("gives the terminal the host terminal's size, and follows a resize", async () => {
    const host = tenkaiInTerminal(['-it', '--', '/bin/sh'], { rows: 31, cols: 101 });
    await expectSizeFollows(host);
    await shellLine(host, 'exit');
    expect(await host.finish()).toBe(0);
  });

  it('restores the host terminal when the container is killed', async () => {
    const host = tenkaiInTerminal(['-it', '--', '/bin/sleep', '1001']);
    await containerProcess('/bin/sleep 1001');
    const [init] = listProcessLogPids(store);
    if (init === undefined) throw new Error('no process log of the container');
    process.kill(init, 'SIGKILL');
    expect(await host.finish()).toBe(137);
    expect(host.settings().after).toBe(host.settings().before);
  });

  it('restores the host terminal when the helper itself is killed', async () => {
    const host = tenkaiInTerminal(['-it', '--', '/bin/sleep', '1002']);
    await containerProcess('/bin/sleep 1002');
    const helper = await waitFor(helperProcess, 'the helper');
    process.kill(helper, 'SIGKILL');
    expect(await host.finish()).toBe(137);
    expect(host.settings().after).toBe(host.settings().before);
  });
});

describe('ryouiki tenkai -t without -i, in a terminal', () => {
  it('leaves the host terminal as it is, and Ctrl-C there reaches the command as a signal', async () => {
    const host = tenkaiInTerminal(['-t', '--', '/bin/sh', '-c', 'tty; exec sleep 1003']);
    await host.expect(/\/dev\/pts\/0\r+\n/, '/dev/pts/0 (cooked: the host terminal adds its own \\r)');
    await containerProcess('sleep 1003');
    expect(host.currentSettings()).toMatch(/(^|\s)icanon\s/);
    host.type('\x03');
    expect(await host.finish()).toBe(130);
    expect(host.settings().after).toBe(host.settings().before);
  });
});

describe('ryouiki-init --tty --interactive, without ryouiki around it', () => {
  it('puts the host terminal in raw mode for the container and back exactly as it was', async () => {
    const host = new HostTerminal(dir, [HELPER, '--tty', '--interactive', '--rootfs', testRootfs(), '--', '/bin/sh', '-c', 'echo ready; read line; exit $line']);
    terminal = host;
    await host.expect('ready\r\n');
    expect(host.currentSettings()).toMatch(/(^|\s)-icanon\s.*(^|\s)-echo\s/s);
    host.type('5\r');
    expect(await host.finish()).toBe(5);
    const { before, after } = host.settings();
    expect(after).toBe(before);
  });
});

describe('ryouiki tenkai -t and -i without a terminal', () => {
  it('-t with stdin not a terminal: warns, and the command still gets a pseudo-terminal of 80x24', async () => {
    const out = await tenkai(store, ['-t', '--', '/bin/sh', '-c', 'tty; stty size; echo err >&2']);
    expect(out.stderr).toBe('ryouiki: warning: -t: stdin is not a terminal: the container gets a pseudo-terminal anyway\n');
    expect(out.stdout).toBe('/dev/pts/0\r\n24 80\r\nerr\r\n');
    expect(out.exitCode).toBe(0);
  });

  it('-it with a pipe on stdin: the input reaches the shell through its terminal', async () => {
    const out = await tenkai(store, ['-it', '--', '/bin/sh'], 'echo $((6*7))\nexit 7\n');
    expect(out.stdout).toMatch(/\r\n42\r\n/);
    expect(out.exitCode).toBe(7);
  });

  it('-i without -t: stdin is connected, output stays on stdout and stderr', async () => {
    const out = await tenkai(store, ['-i', '--command', 'read line; echo "got $line"; echo err >&2; tty'], 'yes\n');
    expect(out.stdout).toBe('got yes\nnot a tty\n');
    expect(out.stderr).toBe('err\n');
    expect(out.exitCode).toBe(1);
  });
});

describe('ryouiki tenkai -t --console-socket', () => {
  it("sends the terminal's master over the unix socket, and copies nothing itself", async () => {
    const socket = join(dir, 'console.sock');
    const receiver = await listenForTerminal(socket);
    const out = await tenkai(store, ['-t', '--console-socket', socket, '--', '/bin/sh', '-c', 'tty; stty size']);
    expect(out).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    const result = await receiver.result;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('listening\nname=/dev/pts/0\n/dev/pts/0\r\n24 80\r\n');
  });

  it('refuses --console-socket without -t, and a socket nobody listens on, before starting anything', async () => {
    const withoutTty = await tenkai(store, ['--console-socket', join(dir, 'x.sock'), '--', '/bin/true']);
    expect(withoutTty).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: a console socket needs a terminal: add -t (process.terminal)\n' });
    const missing = join(dir, 'missing.sock');
    const nobody = await tenkai(store, ['-t', '--console-socket', missing, '--', '/bin/true']);
    expect(nobody).toMatchObject({ exitCode: 125, stdout: '', stderr: `ryouiki: console-socket: ${missing}: No such file or directory\n` });
    expect(listProcessLogPids(store)).toEqual([]);
  });
});
