import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ryouiki, testRootfs } from './harness.js';
import { inStore, useStores, waitForStatus } from './detached-harness.js';
import { emptyStore, tarOf } from './images-harness.js';

// ryouiki commit: a running container's upper layer as one more layer of a new image.

const { work, newStore } = useStores('images-commit');

// Adds a file, deletes one (a whiteout), replaces a folder (an opaque one), then waits to be committed.
const CHANGES = 'echo added > /added; rm /bin/true; rm -rf /etc; mkdir /etc; echo new > /etc/only; touch /ready; sleep 300';

describe('ryouiki commit', () => {
  it('makes an image of what a running container wrote over its image: new files, whiteouts and opaque folders', async () => {
    const store = newStore();
    const tarball = join(work, 'base.tar');
    writeFileSync(tarball, tarOf(testRootfs()));
    expect(await ryouiki(['import', '--root', store, tarball, 'base'])).toMatchObject({ exitCode: 0 });
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

    const seen = await ryouiki([
      'run',
      '--rm',
      '--root',
      store,
      '--network',
      'none',
      'changed:v1',
      'sh',
      '-c',
      'cat /added /etc/only; test -e /etc/passwd || echo no passwd; test -e /bin/true || echo no true; test -e /ready && echo ready',
    ]);
    expect(seen).toMatchObject({ exitCode: 0, stdout: 'added\nnew\nno passwd\nno true\nready\n', stderr: '' });
    // The base image is as it was.
    const base = await ryouiki(['run', '--rm', '--root', store, '--network', 'none', 'base', 'sh', '-c', 'test -e /added || echo base; test -e /bin/true && test -e /etc/passwd && echo true']);
    expect(base).toMatchObject({ exitCode: 0, stdout: 'base\ntrue\n' });

    const stopped = await ryouiki(['stop', '-t', '1', '--root', store, 'changing']);
    expect(stopped.exitCode).toBe(0);
    const refused = await ryouiki(['commit', '--root', store, 'changing', 'late']);
    expect(refused).toMatchObject({ exitCode: 125, stdout: '' });
    expect(refused.stderr).toMatch(/^ryouiki: container changing is stopped: its layer is gone once it ends; commit a running container\n$/);
    expect(await ryouiki(['rm', '--root', store, 'changing'])).toMatchObject({ exitCode: 0 });
    await emptyStore(store);
  }, 180000);

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
