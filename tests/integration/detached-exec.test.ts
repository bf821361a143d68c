import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, startRyouiki, waitFor } from './harness.js';
import { inStore, runtimeEntries, startDetached, useStores } from './detached-harness.js';

const { work, newStore } = useStores('detached-exec');

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
    expect(unmapped).toMatchObject({ exitCode: 125, stderr: 'ryouiki: user: gid 424242 is not mapped in the container\'s user namespace\n' });

    await inStore(store, 'stop', ['-t', '0', id]);
    const stopped = await inStore(store, 'exec', [id, '--', 'true']);
    expect(stopped).toMatchObject({ exitCode: 125, stderr: `ryouiki: container ${id} is not running: see ryouiki ps -a\n` });
    await inStore(store, 'rm', [id]);
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
