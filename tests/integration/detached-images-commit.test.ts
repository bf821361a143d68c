import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { collect, ryouiki, startRyouiki, testRootfs } from './harness.js';
import { inStore, useStores, waitForStatus } from './detached-harness.js';
import { emptyStore, tarOf } from './images-harness.js';

// ryouiki commit: a container's upper layer (while it runs, or kept once it has ended) as one more layer of a new image.

const { work, newStore } = useStores('images-commit');

// Adds a file, deletes one (a whiteout), replaces a folder (an opaque one), then waits to be committed.
const CHANGES = 'echo added > /added; rm /bin/true; rm -rf /etc; mkdir /etc; echo new > /etc/only; touch /ready; sleep 300';
// What an image of those changes shows.
const SEEN = 'cat /added /etc/only; test -e /etc/passwd || echo no passwd; test -e /bin/true || echo no true; test -e /ready && echo ready';

/** A new store with the test rootfs imported as the image `base`. */
async function storeWithBase(): Promise<string> {
  const store = newStore();
  const tarball = join(work, 'base.tar');
  writeFileSync(tarball, tarOf(testRootfs()));
  expect(await ryouiki(['import', '--root', store, tarball, 'base'])).toMatchObject({ exitCode: 0 });
  return store;
}

/** A detached container of `base` (no --rm) that ran SCRIPT and ended: its id. */
async function ranToItsEnd(store: string, name: string, script: string): Promise<string> {
  const ran = await ryouiki(['run', '-d', '--name', name, '--root', store, '--network', 'none', 'base', 'sh', '-c', script]);
  expect(ran.exitCode).toBe(0);
  const id = ran.stdout.trim();
  await waitForStatus(store, id, 'stopped');
  return id;
}

describe('ryouiki commit', () => {
  it('makes an image of what a running container wrote over its image: new files, whiteouts and opaque folders', async () => {
    const store = await storeWithBase();
    const started = await ryouiki(['run', '-d', '--name', 'changing', '--root', store, '--network', 'none', 'base', 'sh', '-c', CHANGES]);
    expect(started.exitCode).toBe(0);
    for (let tries = 0; (await inStore(store, 'exec', ['changing', 'test', '-e', '/ready'])).exitCode !== 0; tries++) {
      if (tries > 100) throw new Error('the container never wrote /ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const committed = await ryouiki(['commit', '-q', '--root', store, 'changing', 'changed:v1']);
    expect(committed).toMatchObject({ exitCode: 0, stderr: '' });
    expect(committed.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await ryouiki(['images', '--root', store])).stdout).toMatch(new RegExp(`\\nlocalhost/changed\\s+v1\\s+${committed.stdout.slice(0, 12)}\\s`));
    const layers = JSON.parse((await ryouiki(['image', 'inspect', '--root', store, 'changed:v1'])).stdout) as { Layers: unknown[] }[];
    expect(layers[0]!.Layers).toHaveLength(2);

    const seen = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', 'changed:v1', 'sh', '-c', SEEN]);
    expect(seen).toMatchObject({ exitCode: 0, stdout: 'added\nnew\nno passwd\nno true\nready\n', stderr: '' });
    // fuse-overlayfs, where the kernel refuses overlayfs, reads the same whiteouts and opaque folder from the layers.
    const seenOnFuse = await collect(
      startRyouiki(['run', '--rm', '--root', store, '--network', 'none', 'changed:v1', 'sh', '-c', `${SEEN}; grep -c ' / fuse.fuse-overlayfs ' /proc/mounts`], {
        RYOUIKI_OVERLAY_DRIVER: 'fuse-overlayfs',
      }),
      '',
    );
    expect(seenOnFuse).toMatchObject({ exitCode: 0, stdout: 'added\nnew\nno passwd\nno true\nready\n1\n', stderr: '' });
    // The base image is as it was.
    const base = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', 'base', 'sh', '-c', 'test -e /added || echo base; test -e /bin/true && test -e /etc/passwd && echo true']);
    expect(base).toMatchObject({ exitCode: 0, stdout: 'base\ntrue\n' });

    expect(await ryouiki(['rm', '-f', '--root', store, 'changing'])).toMatchObject({ exitCode: 0 });
    await emptyStore(store);
  }, 180000);

  it('commits a stopped container, with --change, -m and --author; rm removes the layer it kept', async () => {
    const store = await storeWithBase();
    // A file of its own, one of a subordinate id (removable only inside a user namespace), one deleted.
    const id = await ranToItsEnd(store, 'done', 'echo written > /written; touch /owned; chown 5:5 /owned; rm /bin/true');
    expect(existsSync(join(store, 'run', id, 'overlay', 'upper', 'written'))).toBe(true);

    for (const change of ['ONBUILD RUN true', 'EXPOSE 99999', 'FROM scratch']) {
      const refused = await ryouiki(['commit', '--root', store, '--change', change, 'done', 'refused']);
      expect(refused).toMatchObject({ exitCode: 125, stdout: '' });
      expect(refused.stderr).toMatch(new RegExp(`^ryouiki: --change "${change}": [^\\n]+\\n$`));
    }
    expect((await ryouiki(['images', '--root', store])).stdout).not.toContain('refused');

    const show = 'echo $GREETING from $(pwd) as $(id -u); cat /written; test -e /bin/true || echo no true; stat -c %u:%g /owned';
    const committed = await ryouiki([
      'commit',
      '-q',
      '--root',
      store,
      '-m',
      'the defaults changed',
      '--author',
      'Ada <ada@example.org>',
      '--change',
      `CMD ["sh", "-c", ${JSON.stringify(show)}]`,
      '--change',
      'ENV GREETING=hello',
      '--change',
      'WORKDIR /tmp',
      '--change',
      'USER 7',
      '--change',
      'LABEL stage=two',
      '-c',
      'EXPOSE 8080',
      '-c',
      'STOPSIGNAL SIGINT',
      '-c',
      'VOLUME /data',
      'done',
      'stopped:v1',
    ]);
    expect(committed).toMatchObject({ exitCode: 0, stderr: '' });
    const seen = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', 'stopped:v1']);
    expect(seen).toMatchObject({ exitCode: 0, stdout: 'hello from /tmp as 7\nwritten\nno true\n5:5\n', stderr: '' });
    const [inspected] = JSON.parse((await ryouiki(['image', 'inspect', '--root', store, 'stopped:v1'])).stdout) as {
      Author: string;
      Comment: string;
      Config: { Labels: Record<string, string>; ExposedPorts: object; StopSignal: string; Volumes: object };
    }[];
    expect(inspected).toMatchObject({
      Author: 'Ada <ada@example.org>',
      Comment: 'the defaults changed',
      Config: { Labels: { stage: 'two' }, ExposedPorts: { '8080/tcp': {} }, StopSignal: 'SIGINT', Volumes: { '/data': {} } },
    });

    expect(await ryouiki(['rm', '--root', store, 'done'])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(existsSync(join(store, 'run', id))).toBe(false);
    expect(existsSync(join(store, 'run', 'files', id))).toBe(false);
    await emptyStore(store);
  }, 180000);

  it('restarts a stopped container on the upper layer it kept: it finds its own writes', async () => {
    const store = await storeWithBase();
    const id = await ranToItsEnd(store, 'again', 'if test -e /mark; then echo found > /found; fi; touch /mark');
    const upper = join(store, 'run', id, 'overlay', 'upper');
    expect([existsSync(join(upper, 'mark')), existsSync(join(upper, 'found'))]).toEqual([true, false]);
    expect(await ryouiki(['restart', '--root', store, 'again'])).toMatchObject({ exitCode: 0 });
    await waitForStatus(store, id, 'stopped');
    expect(existsSync(join(upper, 'found'))).toBe(true);
    expect(await ryouiki(['rm', '--root', store, 'again'])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(existsSync(join(store, 'run', id))).toBe(false);
    await emptyStore(store);
  }, 120000);

  it('refuses a container of a folder, in one line', async () => {
    const store = newStore();
    const id = (await ryouiki(['start', '--root', store, '--network', 'none', '--path', testRootfs(), 'sleep', '300'])).stdout.trim();
    const out = await ryouiki(['commit', '--root', store, id.slice(0, 12), 'folder']);
    expect(out).toMatchObject({ exitCode: 125, stdout: '' });
    expect(out.stderr).toBe(`ryouiki: container ${id.slice(0, 12)} runs on a folder, not an image: commit takes a container of an image\n`);
    await inStore(store, 'rm', ['-f', id]);
    expect(await waitForStatus(store, id, 'stopped').catch(() => 'gone')).toBe('gone');
  }, 60000);
});
