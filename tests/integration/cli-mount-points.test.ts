import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, REPO_ROOT, ryouiki, treeDigest } from './harness.js';

// -v and --tmpfs on a path the rootfs lacks, and /etc/resolv.conf and /etc/hosts for a rootfs
// without them: the mount points are made on a tmpfs over their nearest folder, which shows
// that folder's entries, and nothing is written into the rootfs.

const work = makeTempDir('cli-mount-points');
afterAll(() => removeDir(work));

/** A busybox rootfs of this file's own, without /etc/resolv.conf and /etc/hosts. */
const rootfs = join(work, 'rootfs');
execFileSync(join(REPO_ROOT, 'scripts', 'make-busybox-rootfs.sh'), [rootfs]);
rmSync(join(rootfs, 'etc', 'resolv.conf'));
rmSync(join(rootfs, 'etc', 'hosts'));
const volume = join(work, 'volume');
mkdirSync(volume);
writeFileSync(join(volume, 'in-volume'), 'from the host\n');

function tenkai(args: string[]) {
  return ryouiki(['tenkai', '--root', join(work, 'store'), '--path', rootfs, ...args]);
}

describe('mount points the rootfs lacks', () => {
  it("are made without writing into the rootfs, its folders' entries still there", async () => {
    const before = treeDigest(rootfs);
    const out = await tenkai([
      '--network',
      'none',
      '-v',
      `${volume}:/out`,
      '-v',
      `${volume}:/etc/deep/er:ro`,
      '--tmpfs',
      '/scratch/tmp',
      'sh',
      '-c',
      'cat /out/in-volume /etc/deep/er/in-volume; echo written > /out/by-container; ls / | tr "\\n" " "; echo; test -f /etc/passwd && echo passwd; touch /scratch/tmp/x && echo tmpfs-writable; ls /etc/deep',
    ]);
    expect(out).toMatchObject({ exitCode: 0, stderr: '' });
    const lines = out.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['from the host', 'from the host']);
    expect(lines[2]?.split(' ')).toEqual(expect.arrayContaining(['bin', 'etc', 'out', 'proc', 'scratch', 'tmp', 'usr']));
    expect(lines.slice(3)).toEqual(['passwd', 'tmpfs-writable', 'er', '']);
    expect(readFileSync(join(volume, 'by-container'), 'utf8')).toBe('written\n');
    expect(treeDigest(rootfs)).toBe(before);
    await expectNoLeftovers();
  });

  it("still reach the rootfs's own files in the covered folder, and a read-only rootfs stays read-only", async () => {
    // /etc is covered for the generated /etc/hosts: its existing motd is the rootfs's own, a new file is not.
    writeFileSync(join(rootfs, 'etc', 'motd'), 'old\n');
    const out = await tenkai(['--network', 'none', '-v', `${volume}:/out`, 'sh', '-c', 'echo kept >> /etc/motd; cat /etc/motd; echo lost > /etc/new-file']);
    expect(out).toMatchObject({ exitCode: 0, stdout: 'old\nkept\n' });
    expect(readFileSync(join(rootfs, 'etc', 'motd'), 'utf8')).toBe('old\nkept\n');
    expect(existsSync(join(rootfs, 'etc', 'new-file'))).toBe(false);
    rmSync(join(rootfs, 'etc', 'motd'));
    const before = treeDigest(rootfs);
    const readOnly = await tenkai(['--network', 'none', '--read-only', '-v', `${volume}:/out`, 'sh', '-c', 'touch /new 2>/dev/null || echo refused; touch /out/ok && echo volume-writable']);
    expect(readOnly).toMatchObject({ exitCode: 0, stdout: 'refused\nvolume-writable\n' });
    expect(treeDigest(rootfs)).toBe(before);
  });
});

describe('/etc/resolv.conf and /etc/hosts', () => {
  it.each(['slirp4netns', 'host', 'none'])('are there with --network %s, though the rootfs has neither', async (network) => {
    const before = treeDigest(rootfs);
    const out = await tenkai([
      '--network',
      network,
      '--hostname',
      'box',
      '--add-host',
      'db:10.0.0.5',
      'sh',
      '-c',
      'cat /etc/hosts; test -f /etc/resolv.conf && grep -c nameserver /etc/resolv.conf; true',
    ]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/127\.0\.0\.1\s+localhost/);
    expect(out.stdout).toMatch(/10\.0\.0\.5\s+db/);
    if (network === 'slirp4netns') expect(out.stdout).toMatch(/^1$/m);
    expect(treeDigest(rootfs)).toBe(before);
    await expectNoLeftovers();
  });
});
