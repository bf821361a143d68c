import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, ryouiki, startRyouiki, testRootfs } from './harness.js';
import { inStore, psAll, useStores, waitForStatus } from './detached-harness.js';
import { emptyStore, tarOf } from './images-harness.js';

// ryouiki run as podman run, and -e / --env-file on every command that starts a program.

const { work, newStore } = useStores('cli-run');

const envFile = join(work, 'vars.env');
writeFileSync(envFile, 'FROM_FILE=file\nSHARED=from-file\n');
const wholeEnv = join(work, 'whole.env');
writeFileSync(wholeEnv, 'PATH=/bin\nSEED=seed\nSHARED=from-seed-file\n');

describe('ryouiki run', () => {
  it("runs in the foreground with the command's exit code, and with -d as start", async () => {
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

  it("runs an image of the store where podman takes one, in the foreground and with -d; its program's flags are its own", async () => {
    const store = newStore();
    const tarball = join(work, 'box.tar');
    writeFileSync(tarball, tarOf(testRootfs()));
    expect(await ryouiki(['import', '--root', store, tarball, 'box'])).toMatchObject({ exitCode: 0 });
    const out = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', 'box', 'sh', '-c', 'echo "$0 $1" > /written; cat /written; exit 3', '--root', '-d']);
    expect(out).toMatchObject({ exitCode: 3, stdout: '--root -d\n', stderr: '' });
    const detached = await ryouiki(['run', '-d', '--name', 'boxed', '--root', store, '--network', 'none', 'localhost/box:latest', 'sh', '-c', 'cat /written 2>&1; exit 4']);
    expect(detached.exitCode).toBe(0);
    // A fresh upper layer per container: the first one's file is not there.
    expect(await waitForStatus(store, detached.stdout.trim(), 'stopped')).toMatchObject({ name: 'boxed', exitCode: 4 });
    expect((await inStore(store, 'logs', ['boxed'])).stdout).toBe("cat: can't open '/written': No such file or directory\n");
    expect((await inStore(store, 'ps', ['-a', '--format', '{{.Names}} {{.Image}}'])).stdout).toBe('boxed localhost/box:latest\n');
    expect(await inStore(store, 'rm', ['boxed'])).toMatchObject({ exitCode: 0 });
    await emptyStore(store);
    await expectNoLeftovers();
  });

  it('says in one line what is wrong with an image it cannot have', async () => {
    const missing = await ryouiki(['run', '--root', newStore(), '--tls-verify=false', '127.0.0.1:1/nothing', 'echo', 'hi']);
    expect(missing).toMatchObject({ exitCode: 125, stdout: '' });
    expect(missing.stderr).toMatch(/^ryouiki: [^\n]*127\.0\.0\.1:1[^\n]*\n$/);
    expect(await ryouiki(['run', '--root', newStore(), '--path', testRootfs(), '--image', 'box', 'true'])).toMatchObject({
      exitCode: 125,
      stderr: 'ryouiki: give either --path DIR or an image, not both\n',
    });
    expect(await ryouiki(['run', '--root', newStore()])).toMatchObject({ exitCode: 125, stderr: 'ryouiki: no container given: ryouiki run (--path DIR | IMAGE) COMMAND...\n' });
  });
});

const PRINT_ENV = ['sh', '-c', 'echo "$FROM_FILE $SHARED $GIVEN $SEED $FROM_HOST${NOT_SET_HERE+ set}"'];

describe('-e and --env-file', () => {
  it.each(['tenkai', 'run'])('%s lays --env-file, then -e, over the environment', async (command) => {
    const store = newStore();
    const base = [command, '--root', store, '--network', 'none', '--path', testRootfs()];
    const laid = await collect(
      startRyouiki([...base, '--env-file', envFile, '-e', 'GIVEN=given', '-e', 'SHARED=from-e', '-e', 'FROM_HOST', '-e', 'NOT_SET_HERE', ...PRINT_ENV], { FROM_HOST: 'host' }),
      '',
    );
    // SEED is unset: -e KEY takes KEY from ryouiki's environment, and leaves it out when unset there.
    expect(laid).toMatchObject({ exitCode: 0, stdout: 'file from-e given  host\n', stderr: '' });
  });

  it('keeps --env FILE on tenkai as the seed has it: the whole environment, the others laid over it', async () => {
    const store = newStore();
    const out = await ryouiki([
      'tenkai',
      '--root',
      store,
      '--network',
      'none',
      '--path',
      testRootfs(),
      '--env',
      wholeEnv,
      '-e',
      'GIVEN=given',
      '--command',
      'env | grep -v -e ^PWD= -e ^SHLVL= | sort',
    ]);
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
