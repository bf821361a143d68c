import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { leftovers, RYOUIKI, testRootfs, waitFor } from './harness.js';
import { expectContainerShell, expectCtrlCInterrupts, expectSizeFollows, HostTerminal, shellLine } from './host-terminal.js';
import { inStore, psAll, startDetached, useStores, waitForStatus } from './detached-harness.js';

const { work, newStore } = useStores('detached-terminal');
const terminals: HostTerminal[] = [];
let count = 0;

afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
});

/** `ryouiki ARGS` in a real pseudo-terminal of the host, in a folder of its own. */
function inTerminal(args: string[], size?: { rows: number; cols: number }): HostTerminal {
  const dir = join(work, `terminal-${count++}`);
  mkdirSync(dir);
  const terminal = new HostTerminal(dir, [RYOUIKI, ...args], size);
  terminals.push(terminal);
  return terminal;
}

function attach(store: string, id: string, args: string[] = [], size?: { rows: number; cols: number }): HostTerminal {
  return inTerminal(['attach', '--root', store, ...args, id], size);
}

/** After attaching, nothing is shown until the container writes: Enter brings a new prompt. */
async function freshPrompt(host: HostTerminal): Promise<void> {
  await waitFor(() => (leftovers().some((p) => p.cmdline.includes('--attach')) ? true : undefined), 'the attach client to run');
  host.type('\r');
}

async function startShell(store: string, args: string[] = []): Promise<string> {
  return startDetached(store, ['-it', ...args, '--', '/bin/sh']);
}

describe('ryouiki start -it and attach', () => {
  it("gives the detached shell the container's /dev/pts/0, and attach ends with its exit code and the terminal as it was", async () => {
    const store = newStore();
    const id = await startShell(store);
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });
    const host = attach(store, id);
    await freshPrompt(host);
    await expectContainerShell(host);
    expect((await inStore(store, 'wait', [id])).stdout).toBe('3\n');
    const logs = await inStore(store, 'logs', [id]);
    expect(logs.stdout).toMatch(/^42\r$/m);
  });

  it("lets Ctrl-C interrupt the shell's foreground job through attach, and the shell survives", async () => {
    const store = newStore();
    const id = await startShell(store);
    const host = attach(store, id);
    await freshPrompt(host);
    await expectCtrlCInterrupts(host, 100);
    await shellLine(host, 'exit');
    expect(await host.finish()).toBe(0);
    expect(host.settings().after).toBe(host.settings().before);
  });

  it("gives the container's terminal the size of the attached one, and follows a resize", async () => {
    const store = newStore();
    const id = await startShell(store);
    const host = attach(store, id, [], { rows: 31, cols: 101 });
    await freshPrompt(host);
    await expectSizeFollows(host);
    await shellLine(host, 'exit');
    expect(await host.finish()).toBe(0);
  });

  it('detaches on ctrl-p,ctrl-q leaving the container running, and a second attach takes over', async () => {
    const store = newStore();
    const id = await startShell(store, ['--name', 'box']);
    const first = attach(store, 'box');
    await freshPrompt(first);
    await shellLine(first, 'echo one');
    await first.expect('\r\none\r\n');
    first.type('\x10\x11');
    await first.expect('ryouiki: detached from box, which runs on: ryouiki attach box');
    expect(await first.finish()).toBe(0);
    expect(first.settings().after).toBe(first.settings().before);
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });

    // A key that only begins the sequence is passed on once the next one shows it is not it.
    const second = attach(store, id, ['--detach-keys', 'ctrl-a,d']);
    await freshPrompt(second);
    await shellLine(second, 'read x; echo "got [$x]"');
    second.type('\x01x\r');
    await second.expect('got [\x01x]', 'ctrl-a and x passed on');
    second.type('\x01d');
    expect(await second.finish()).toBe(0);
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });

    const third = attach(store, id);
    await freshPrompt(third);
    await shellLine(third, 'exit 5');
    expect(await third.finish()).toBe(5);
  });

  it('takes the detach keys given to start, and none with ""', async () => {
    const store = newStore();
    const id = await startShell(store, ['--detach-keys', 'ctrl-x']);
    const host = attach(store, id);
    await freshPrompt(host);
    await shellLine(host, 'echo ready');
    await host.expect('ready');
    host.type('\x18');
    expect(await host.finish()).toBe(0);
    const none = attach(store, id, ['--detach-keys', '']);
    await freshPrompt(none);
    await shellLine(none, 'read x; echo "got [$x]"');
    // Ctrl-Q is the container terminal's own "start output" key (ixon): it takes it.
    none.type('\x10\x11z\r');
    await none.expect('got [\x10z]', 'the keys passed on');
    await shellLine(none, 'exit');
    expect(await none.finish()).toBe(0);
  });
});

describe('ryouiki attach without a terminal, and to start -t without -i', () => {
  it("copies piped input to the container's terminal and exits with its code", async () => {
    const store = newStore();
    const id = await startShell(store);
    const out = await inStore(store, 'attach', [id], 'echo $((6*7))\nexit 4\n');
    expect(out.stdout).toMatch(/\r\n42\r\n/);
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(4);
  });

  it('start -t without -i: attach shows the output and sets the size, types nothing, and Ctrl-C detaches', async () => {
    const store = newStore();
    const id = await startDetached(store, ['-t', '--', 'sh', '-c', 'trap "stty size" WINCH; while :; do sleep 0.1; done']);
    const host = attach(store, id, [], { rows: 31, cols: 101 });
    await host.expect(/31 101\r+\n/, '31 101 (cooked: the host terminal adds its own \\r)');
    expect(host.currentSettings()).toMatch(/(^|\s)icanon\s/);
    host.type('\x03');
    await host.expect(`ryouiki: detached from ${id}`);
    expect(await host.finish()).toBe(0);
    expect(host.settings().after).toBe(host.settings().before);
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });
  });
});

describe('ryouiki exec -it', () => {
  it('gives a shell in the running container a terminal of its devpts, with Ctrl-C, resize and its exit code', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--hostname', 'boxhost', '--', 'sleep', '600']);
    const host = inTerminal(['exec', '--root', store, '-it', id, '--', '/bin/sh'], { rows: 31, cols: 101 });
    await shellLine(host, 'hostname; tty');
    await host.expect(/boxhost\r\n\/dev\/pts\/\d+\r\n/, "the container's hostname and a terminal of its devpts");
    await expectSizeFollows(host);
    await expectCtrlCInterrupts(host, 101);
    await shellLine(host, 'exit 6');
    expect(await host.finish()).toBe(6);
    expect(host.settings().after).toBe(host.settings().before);
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });
  });

  it('-t with stdin not a terminal: warns, and the program still gets a terminal of the container', async () => {
    const store = newStore();
    const id = await startShell(store);
    const out = await inStore(store, 'exec', ['-t', id, '--', 'sh', '-c', 'tty; stty size']);
    expect(out.stderr).toBe('ryouiki: warning: -t: stdin is not a terminal: the container gets a pseudo-terminal anyway\n');
    expect(out.stdout).toBe('/dev/pts/1\r\n24 80\r\n');
    expect(out.exitCode).toBe(0);
  });
});

describe('ryouiki attach, bad input', () => {
  it('refuses a container without a terminal, a stopped one and an unknown one with one line', async () => {
    const store = newStore();
    const plain = await startDetached(store, ['--name', 'plain', '--', 'sleep', '600']);
    const noTty = await inStore(store, 'attach', ['plain']);
    expect(noTty).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: container plain has no terminal (it was started without -t): read its output with ryouiki logs -f plain\n' });
    await inStore(store, 'stop', ['-t', '0', plain]);
    const shell = await startShell(store, ['--name', 'gone']);
    await inStore(store, 'kill', ['gone']);
    await waitForStatus(store, shell, 'stopped');
    const stopped = await inStore(store, 'attach', ['gone']);
    expect(stopped).toMatchObject({ exitCode: 125, stdout: '', stderr: 'ryouiki: container gone is not running: see ryouiki ps -a\n' });
    const unknown = await inStore(store, 'attach', ['nosuch']);
    expect(unknown.exitCode).toBe(125);
    expect(unknown.stderr).toMatch(/^ryouiki: [^\n]*nosuch[^\n]*\n$/);
  });

  it('refuses bad detach keys on start before starting anything, and on attach', async () => {
    const store = newStore();
    const keys = await inStore(store, 'start', ['-it', '--detach-keys', 'ctrl-1', '--path', testRootfs(), '--', 'sh']);
    expect(keys.exitCode).toBe(125);
    expect(keys.stderr).toMatch(/^ryouiki: --detach-keys "ctrl-1": "ctrl-1" is not a key[^\n]*\n$/);
    expect(await psAll(store)).toEqual([]);
    const id = await startShell(store);
    const onAttach = await inStore(store, 'attach', ['--detach-keys', 'ctrl-p,,x', id]);
    expect(onAttach).toMatchObject({ exitCode: 125, stdout: '', stderr: expect.stringMatching(/^ryouiki: --detach-keys "ctrl-p,,x": "" is not a key[^\n]*\n$/) });
    expect((await psAll(store))[0]).toMatchObject({ id, status: 'running' });
  });
});
