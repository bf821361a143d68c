import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, ryouiki, treeDigest } from './harness.js';

/** scripts/setup-test-host.sh builds it (debootstrap, cached) for the test user. */
const DEBIAN = `/var/cache/ryouiki-test/debian-bookworm-${userInfo().username}`;

let store: string;

beforeAll(() => {
  if (!existsSync(join(DEBIAN, 'etc', 'debian_version'))) {
    throw new Error(`no Debian tree at ${DEBIAN}: run make test as root, whose setup builds it with debootstrap`);
  }
  store = makeTempDir('distribution');
});
afterAll(() => removeDir(store));
afterEach(async () => {
  await expectNoLeftovers();
});

describe('a Debian minbase tree', () => {
  it('drops privileges with su, runuser and setpriv under the full id map, on an overlay that leaves the tree as it was', async () => {
    const before = treeDigest(DEBIAN, false);
    const out = await ryouiki([
      'tenkai',
      '--path',
      DEBIAN,
      '--root',
      store,
      '--overlay',
      '--command',
      'su -s /bin/sh nobody -c "id -u"; runuser -u nobody -- id -g; setpriv --reuid=1000 --regid=1000 --clear-groups id -u; ls -ln /etc/shadow | cut -d" " -f3,4; echo changed > /etc/motd',
    ]);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('65534\n65534\n1000\n0 42\n');
    expect(out.exitCode).toBe(0);
    expect(treeDigest(DEBIAN, false)).toBe(before);
  });

  it('lets apt drop to its _apt user with the full id map, which the single-id map cannot', async () => {
    // A local repository: apt's copy method runs sandboxed as _apt like its http method, with no network.
    const update =
      'rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*; mkdir /srv/repo; : >/srv/repo/Packages; echo "deb [trusted=yes] copy:/srv/repo ./" >/etc/apt/sources.list; apt-get update 2>&1';
    const run = (flags: string[]) => ryouiki(['tenkai', '--path', DEBIAN, '--root', store, '--overlay', ...flags, '--command', update]);
    const full = await run([]);
    expect(full.stdout).toContain('Reading package lists');
    expect(full.stdout).not.toMatch(/seteuid|setgroups|E: /);
    expect(full.exitCode).toBe(0);
    const single = await run(['--userns=single']);
    expect(single.stdout).toMatch(/(setgroups 0|seteuid 42) failed/);
  });

  it('runs as --user with the names of its own /etc/passwd', async () => {
    const out = await ryouiki(['tenkai', '--path', DEBIAN, '--root', store, '--user', 'nobody:nogroup', '--', '/usr/bin/id']);
    expect(out.stdout).toBe('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n');
  });
});
