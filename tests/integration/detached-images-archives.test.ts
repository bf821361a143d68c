import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, makeTempDir, removeDir, startRyouiki, testRootfs, type Outcome } from './harness.js';
import { images, importTarball, run } from '@ryouiki/core';
import { emptyStore, tarOf } from './images-harness.js';
import { expectNoPodmanLeftovers, IMAGE, podmanProcesses, TestPodman } from './podman-harness.js';

const work = makeTempDir('archives');
let podman: TestPodman;

function ryouiki(args: string[]): Promise<Outcome> {
  return collect(startRyouiki(args), '');
}

beforeAll(() => {
  podman = new TestPodman(makeTempDir('archives-podman'));
  podman.importImage();
}, 120000);

afterAll(async () => {
  // The check fails the file, but podman and the folders go whatever it finds.
  try {
    await expectNoPodmanLeftovers(podman);
  } finally {
    await podman.destroy();
    removeDir(work);
  }
  expect(podmanProcesses()).toEqual([]);
});

describe('ryouiki load of podman save archives', () => {
  it.each(['docker-archive', 'oci-archive'])(
    'loads a %s podman made, under the name podman gave it, and runs it',
    async (format) => {
      const archive = join(work, `${format}.tar`);
      expect(await podman.run(['save', '--quiet', '--format', format, '-o', archive, IMAGE])).toMatchObject({ exitCode: 0 });
      const store = makeTempDir('store');
      const loaded = await ryouiki(['load', '-q', '-i', archive, '--root', store]);
      expect(loaded).toMatchObject({ exitCode: 0, stderr: '' });
      expect(loaded.stdout).toMatch(/^Loaded image: /);
      const out = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', IMAGE, '--', '/bin/sh', '-c', 'echo loaded; id -u']);
      expect(out).toMatchObject({ exitCode: 0, stdout: 'loaded\n0\n', stderr: '' });
      await emptyStore(store);
    },
    120000,
  );
});

describe('ryouiki import and save', () => {
  it('imports a rootfs tarball as localhost/NAME, and saves an oci-archive podman loads and runs from', async () => {
    const tarball = join(work, 'rootfs.tar');
    writeFileSync(tarball, tarOf(testRootfs()));
    const store = makeTempDir('store');
    const imported = await ryouiki(['import', '--root', store, tarball, 'handmade:v1']);
    expect(imported).toMatchObject({ exitCode: 0 });
    const listed = await ryouiki(['images', '--root', store]);
    expect(listed.stdout.split('\n')[1]).toMatch(new RegExp(`^localhost/handmade\\s+v1\\s+${imported.stdout.slice(0, 12)}\\s`));
    expect(await ryouiki(['tag', '--root', store, 'handmade:v1', 'localhost/other:v2'])).toMatchObject({ exitCode: 0 });

    const saved = join(work, 'saved.tar');
    expect(await ryouiki(['save', '--root', store, '-o', saved, 'localhost/other:v2'])).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await podman.run(['load', '--quiet', '-i', saved])).exitCode).toBe(0);
    const images = await podman.run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout.split('\n')).toContain('localhost/other:v2');
    // the archive holds exactly the layer ryouiki keeps
    expect(existsSync(saved)).toBe(true);

    const untag = await ryouiki(['rmi', '--root', store, 'handmade:v1']);
    expect(untag).toMatchObject({ exitCode: 0, stdout: 'Untagged: localhost/handmade:v1\n' });
    expect(readdirSync(join(store, 'images', 'layers'))).toHaveLength(1);
    const missing = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', 'localhost/handmade:v1', '--', 'true']);
    expect(missing.exitCode).toBe(125);
    await emptyStore(store);
  }, 120000);
});

describe('the library', () => {
  it('imports, lists and runs an image: importTarball(), images(), run({ image })', async () => {
    const tarball = join(work, 'library-rootfs.tar');
    writeFileSync(tarball, tarOf(testRootfs()));
    const store = makeTempDir('store');
    const record = await importTarball(tarball, 'library', { root: store });
    expect(images({ root: store })).toEqual([expect.objectContaining({ repository: 'localhost/library', tag: 'latest', fullId: record.id })]);
    const result = await run({ image: 'library', command: ['/bin/sh', '-c', 'echo $0 from $(pwd)', 'hello'], cwd: '/tmp', network: 'none' }, { root: store });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hello from /tmp\n' });
    await emptyStore(store);
  }, 120000);
});
