import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, startRyouiki, waitFor } from './harness.js';
import { inStore, runtimeEntries, startDetached, useStores } from './detached-harness.js';

const { work, newStore } = useStores('detached-exec');
const DEFAULT_CAPS = '00000000800405fb';
const FIELDS = 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):"';

/** The security fields of /proc/PID/status, of the container's command (sleep) and of an exec'd program, both read by exec. */
async function commandAndExecStatus(store: string, id: string): Promise<{ command: string[]; exec: string[] }> {
  const script = `for d in /proc/[0-9]*; do [ "$(cat $d/comm)" = sleep ] && ${FIELDS} $d/status; done; echo --; ${FIELDS} /proc/self/status`;
  const out = await inStore(store, 'exec', [id, '--', 'sh', '-c', script]);
  expect(out).toMatchObject({ exitCode: 0, stderr: '' });
  const [command = '', exec = ''] = out.stdout.split('--\n');
  return { command: command.trim().split('\n'), exec: exec.trim().split('\n') };
}

describe('ryouiki exec', () => {
  it('runs a program in all the namespaces of a running container, with its environment, and exits with its code', async () => {
    const store = newStore();
    const envFile = join(work, 'env.txt');
    writeFileSync(envFile, 'PATH=/bin\nGREETING=hi\nKEEP=yes\n');
    const id = await startDetached(store, ['--env', envFile, '--hostname', 'box', '-w', '/tmp', '--', 'sleep', '600']);
    const inside = await inStore(store, 'exec', [id.slice(0, 6), '--', 'sh', '-c', 'echo $GREETING $KEEP; hostname; pwd; id -u; cat /proc/1/comm; ls /proc | grep -cE "^[0-9]+$"; exit 4']);
    expect(inside.stderr).toBe('');
    expect(inside.exitCode).toBe(4);
    const [env, host, cwd, uid, init, processes] = inside.stdout.trim().split('\n');
    expect([env, host, cwd, uid, init]).toEqual(['hi yes', 'box', '/tmp', '0', 'ryouiki-init']);
    // init, sleep, and sh with its ls and grep: nothing of the host's
    expect(Number(processes)).toBeLessThanOrEqual(6);

    const overridden = await inStore(store, 'exec', ['-e', 'GREETING=hello', '--env', 'NEW=1', '-w', '/', id, '--', 'sh', '-c', 'echo $GREETING $KEEP $NEW; pwd']);
    expect(overridden).toMatchObject({ exitCode: 0, stdout: 'hello yes 1\n/\n' });

    const missing = await inStore(store, 'exec', [id, '--', '/nope']);
    expect(missing).toMatchObject({ exitCode: 127, stdout: '', stderr: 'ryouiki: exec: /nope: No such file or directory\n' });

    // Beyond the subordinate range a full id map gives (65536 ids).
    const unmapped = await inStore(store, 'exec', ['-u', '424242', id, '--', 'id']);
    expect(unmapped.exitCode).toBe(125);
    expect(unmapped.stderr).toMatch(/^ryouiki: user: gid 424242 has no mapping in the container's user namespace(: [^\n]*)?\n$/);

    await inStore(store, 'stop', ['-t', '0', id]);
    const stopped = await inStore(store, 'exec', [id, '--', 'true']);
    expect(stopped).toMatchObject({ exitCode: 125, stderr: `ryouiki: container ${id} is not running: see ryouiki ps -a\n` });
    await inStore(store, 'rm', [id]);
    expect(runtimeEntries(store)).toEqual([]);
  });

  it("gives the program the capabilities, no_new_privs and seccomp filter of the container's command, and removes its rules file", async () => {
    const store = newStore();
    const id = await startDetached(store, ['--', 'sleep', '600']);
    const fields = await commandAndExecStatus(store, id);
    expect(fields.exec).toEqual(fields.command);
    expect(fields.exec).toEqual([`CapEff:\t${DEFAULT_CAPS}`, `CapBnd:\t${DEFAULT_CAPS}`, 'NoNewPrivs:\t1', 'Seccomp:\t2']);
    // A user other than root keeps the bounding set only, as the command would.
    const asUser = await inStore(store, 'exec', ['-u', '1000', id, '--', 'grep', '-E', '^(CapEff|CapBnd|Seccomp):', '/proc/self/status']);
    expect(asUser).toMatchObject({ exitCode: 0, stdout: `CapEff:\t0000000000000000\nCapBnd:\t${DEFAULT_CAPS}\nSeccomp:\t2\n` });
    // The filter is the container's default one, which refuses a new user namespace.
    const unshare = await inStore(store, 'exec', [id, '--', 'sh', '-c', 'unshare -U true 2>&1; echo rc=$?']);
    expect(unshare.stdout).toMatch(/Operation not permitted\nrc=1\n$/);
    expect(readdirSync(join(store, 'run', id)).filter((name) => name.endsWith('.seccomp'))).toEqual([]);
    await inStore(store, 'rm', ['-f', id]);
    expect(runtimeEntries(store)).toEqual([]);
  });

  it('gives the program of a privileged container every capability and no seccomp filter', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--privileged', '--', 'sleep', '600']);
    const fields = await commandAndExecStatus(store, id);
    expect(fields.exec).toEqual(fields.command);
    expect(fields.exec).toContain('NoNewPrivs:\t0');
    expect(fields.exec).toContain('Seccomp:\t0');
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const all = ((1n << BigInt(last + 1)) - 1n).toString(16).padStart(16, '0');
    expect(fields.exec.slice(0, 2)).toEqual([`CapEff:\t${all}`, `CapBnd:\t${all}`]);
    await inStore(store, 'rm', ['-f', id]);
    expect(runtimeEntries(store)).toEqual([]);
  });

  it('passes stdin through and forwards signals to the program', async () => {
    const store = newStore();
    const id = await startDetached(store, ['--', 'sleep', '600']);
    const echo = collect(startRyouiki(['exec', '--root', store, id, '--', 'sh', '-c', 'read line; echo "got $line"']), 'typed\n');
    expect(await echo).toMatchObject({ exitCode: 0, stdout: 'got typed\n' });
    const child = startRyouiki(['exec', '--root', store, id, '--', 'sh', '-c', 'trap "echo term; exit 9" TERM; echo ready; while :; do sleep 0.05; done']);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const outcome = collect(child);
    await waitFor(() => (stdout.includes('ready') ? true : undefined), 'the program to start');
    child.kill('SIGTERM');
    expect((await outcome).exitCode).toBe(9);
    expect(stdout).toBe('ready\nterm\n');
    await inStore(store, 'rm', ['-f', id]);
  });
});
