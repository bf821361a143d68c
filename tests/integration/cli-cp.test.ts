import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ryouiki, testRootfs, treeDigest } from './harness.js';
import { inStore, useStores } from './detached-harness.js';

// ryouiki cp between the host and a running container, both ways, as podman cp.

const { work, newStore } = useStores('cli-cp');

describe('ryouiki cp', () => {
  it('copies files and folders into a container and out of it, into a folder or as a new name', async () => {
    const store = newStore();
    const started = await ryouiki(['start', '--name', 'box', '--overlay', '--root', store, '--network', 'none', '--path', testRootfs(), 'sleep', '300']);
    expect(started.exitCode).toBe(0);
    const before = treeDigest(testRootfs());
    const site = join(work, 'site');
    mkdirSync(join(site, 'sub'), { recursive: true });
    writeFileSync(join(site, 'index.html'), 'hello\n');
    writeFileSync(join(site, 'sub', 'a b.txt'), 'spaced\n');

    expect(await inStore(store, 'cp', [site, 'box:/tmp'])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await inStore(store, 'cp', [join(site, 'index.html'), 'box:/tmp/renamed.html'])).toMatchObject({ exitCode: 0 });
    const inside = await inStore(store, 'exec', ['box', 'sh', '-c', 'cat /tmp/site/index.html "/tmp/site/sub/a b.txt" /tmp/renamed.html']);
    expect(inside.stdout).toBe('hello\nspaced\nhello\n');

    await inStore(store, 'exec', ['box', 'sh', '-c', 'mkdir -p /tmp/made && echo from-container > /tmp/made/file']);
    const out = join(work, 'out');
    mkdirSync(out);
    expect(await inStore(store, 'cp', ['box:/tmp/made', out])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(readFileSync(join(out, 'made', 'file'), 'utf8')).toBe('from-container\n');
    expect(await inStore(store, 'cp', ['box:/tmp/made/file', join(out, 'copy')])).toMatchObject({ exitCode: 0 });
    expect(readFileSync(join(out, 'copy'), 'utf8')).toBe('from-container\n');
    // With --overlay, what was copied in stays in the container's layer.
    expect(treeDigest(testRootfs())).toBe(before);
  });

  it('refuses two host paths, and says what failed in a container', async () => {
    const store = newStore();
    expect(await inStore(store, 'cp', ['./a', './b'])).toMatchObject({
      exitCode: 125,
      stderr: 'ryouiki: cp copies between the host and a container: give one side as CONTAINER:PATH, as ryouiki cp ./file web:/tmp\n',
    });
    const missing = await inStore(store, 'cp', [work, 'nobox:/tmp']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr.split('\n')).toHaveLength(2);
    expect(missing.stderr).toMatch(/^ryouiki: cp: .*nobox/);
  });
});
