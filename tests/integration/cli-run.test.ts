import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, ryouiki, startRyouiki, testRootfs } from './harness.js';
import { inStore, psAll, useStores, waitForStatus } from './detached-harness.js';

// ryouiki run as podman run, and -e / --env-file on every command that starts a program.

const { work, newStore } = useStores('cli-run');

const envFile = join(work, 'vars.env');
writeFileSync(envFile, 'FROM_FILE=file\nSHARED=from-file\n');
const wholeEnv = join(work, 'whole.env');
writeFileSync(wholeEnv, 'PATH=/bin\nSEED=seed\nSHARED=from-seed-file\n');

describe('ryouiki run', () => {
  it('runs in the foreground with the command\'s exit code, and with -d as start', async () => {
    const store = newStore();
    const out = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', '--path', testRootfs(), 'sh', '-c', 'echo hi; exit 3']);
    expect(out).toMatchObject({ exitCode: 3, stdout: 'hi\n', stderr: '' });
    const missing = await ryouiki(['run', '--root', store, '--path', testRootfs(), 'no-such-program']);
    expect(missing.exitCode).toBe(127);

    const detached = await ryouiki(['run', '-d', '--name', 'bg', '--root', store, '--network', 'none', '--path', testRootfs(), 'sh', '-c', 'echo from-bg; exit 4']);
    expect(detached.exitCode).toBe(0);
    const id = detached.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await waitForStatus(store, id, 'stopped')).toMatchObject({ name: 'bg', exitCode: 4 });
    expect((await inStore(store, 'logs', ['bg'])).stdout).toBe('from-bg\n');
    await expectNoLeftovers();
  });

  it('takes an image name where podman does, and says what to give instead while there is no image store', async () => {
    const out = await ryouiki(['run', '--root', newStore(), 'alpine', 'echo', 'hi']);
    expect(out).toMatchObject({ exitCode: 125, stdout: '' });
    expect(out.stderr).toBe('ryouiki: ryouiki keeps no images to find "alpine" in: give the root filesystem folder instead, as ryouiki run --path DIR\n');
    expect(await ryouiki(['run', '--root', newStore()])).toMatchObject({ exitCode: 125, stderr: 'ryouiki: no container given: ryouiki run (--path DIR | IMAGE) COMMAND...\n' });
  });
});

const PRINT_ENV = ['sh', '-c', 'echo "$FROM_FILE $SHARED $GIVEN $SEED $FROM_HOST${NOT_SET_HERE+ set}"'];

describe('-e and --env-file', () => {
  it.each(['tenkai', 'run'])('%s lays --env-file, then -e, over the environment', async (command) => {
    const store = newStore();
    const base = [command, '--root', store, '--network', 'none', '--path', testRootfs()];
    const laid = await collect(startRyouiki([...base, '--env-file', envFile, '-e', 'GIVEN=given', '-e', 'SHARED=from-e', '-e', 'FROM_HOST', '-e', 'NOT_SET_HERE', ...PRINT_ENV], { FROM_HOST: 'host' }), '');
    // SEED is unset: -e KEY takes KEY from ryouiki's environment, and leaves it out when unset there.
    expect(laid).toMatchObject({ exitCode: 0, stdout: 'file from-e given  host\n', stderr: '' });
  });

  it('keeps --env FILE on tenkai as the seed has it: the whole environment, the others laid over it', async () => {
    const store = newStore();
    const out = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--path', testRootfs(), '--env', wholeEnv, '-e', 'GIVEN=given', '--command', 'env | grep -v -e ^PWD= -e ^SHLVL= | sort']);
    // PWD and SHLVL are the shell's own.
    expect(out).toMatchObject({ exitCode: 0, stdout: 'GIVEN=given\nPATH=/bin\nSEED=seed\nSHARED=from-seed-file\n' });
  });

  it('start and exec take them too; a missing --env-file is one clear line', async () => {
    const store = newStore();
    const started = await ryouiki(['start', '--name', 'envs', '--root', store, '--network', 'none', '--path', testRootfs(), '--env-file', envFile, '-e', 'GIVEN=started', 'sleep', '300']);
    expect(started.exitCode).toBe(0);
    const exec = await inStore(store, 'exec', ['-e', 'GIVEN=exec', '--env-file', envFile, 'envs', ...PRINT_ENV]);
    expect(exec).toMatchObject({ exitCode: 0, stdout: 'file from-file exec  \n' });
    const plain = await inStore(store, 'exec', ['envs', ...PRINT_ENV]);
    expect(plain.stdout).toBe('file from-file started  \n');
    const missing = await inStore(store, 'exec', ['--env-file', join(work, 'nope.env'), 'envs', 'true']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr.split('\n')).toHaveLength(2);
    expect(missing.stderr).toMatch(/nope\.env does not exist/);
    expect((await psAll(store)).map((state) => state.name)).toEqual(['envs']);
  });
});
