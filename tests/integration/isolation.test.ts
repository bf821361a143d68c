import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, makeTempDir, removeDir, ryouiki, startRyouiki, treeDigest, type Outcome } from './harness.js';
import { buildIsolationRootfs } from './isolation-rootfs.js';

let work: string;
let rootfs: string;
let store: string;
let volume: string;

beforeAll(() => {
  work = makeTempDir('isolation');
  rootfs = join(work, 'rootfs');
  buildIsolationRootfs(rootfs);
  store = join(work, 'store');
  volume = join(work, 'volume');
  mkdirSync(volume);
  writeFileSync(join(volume, 'hello.txt'), 'from the host\n');
}, 120000);
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
  expect(existsSync(join(store, 'run'))).toBe(false);
});

function tenkai(args: string[]): Promise<Outcome> {
  return ryouiki(['tenkai', '--path', rootfs, '--root', store, ...args]);
}

function sh(script: string, ...flags: string[]): Promise<Outcome> {
  return tenkai([...flags, '--command', script]);
}

function statusField(stdout: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s+(\\S+)`, 'm').exec(stdout)?.[1];
}

const DEFAULT_CAPS = '00000000800405fb';

describe('identity', () => {
  it('maps container 0 to the caller and 1..65536 to the subordinate range', async () => {
    const out = await sh('cat /proc/self/uid_map /proc/self/gid_map');
    expect(out.stderr).toBe('');
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(lines[0]).toEqual(['0', String(process.getuid?.()), '1']);
    expect(lines[1]?.[0]).toBe('1');
    expect(lines[1]?.[2]).toBe('65536');
    expect(lines[2]).toEqual(['0', String(process.getgid?.()), '1']);
  });

  it('drops privileges inside with the real setpriv', async () => {
    const out = await tenkai(['--', '/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', '/bin/id']);
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('uid=1000(app) gid=1000(app)');
  });

  it('runs the command as --user, by number or by name, without supplementary groups', async () => {
    const byNumber = await sh('id -u; id -g; id -G; grep -E "^(CapEff|CapBnd)" /proc/self/status', '--user', '1000:1000');
    expect(byNumber.stdout.trim().split('\n')).toEqual(['1000', '1000', '1000', 'CapEff:\t0000000000000000', `CapBnd:\t${DEFAULT_CAPS}`]);
    const byName = await sh('id -un', '--user', 'app');
    expect(byName.stdout).toBe('app\n');
  });

  it('falls back to the single-id map, saying so once, when newuidmap refuses', async () => {
    const bin = join(work, 'refusing-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'newuidmap'), '#!/bin/sh\necho "newuidmap: write to uid_map failed: Operation not permitted" >&2\nexit 1\n', { mode: 0o755 });
    const child = startRyouiki(['tenkai', '--path', rootfs, '--root', store, '--command', 'cat /proc/self/uid_map'], { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const out = await collect(child, '');
    expect(out.exitCode).toBe(0);
    expect(out.stdout.trim().split(/\s+/)).toEqual(['0', String(process.getuid?.()), '1']);
    expect(out.stderr).toBe('ryouiki: warning: newuidmap failed (newuidmap: write to uid_map failed: Operation not permitted): using a single-id map, only uid 0 exists inside\n');
  });

  it('keeps only uid 0 with --userns=single, and refuses --user beyond it', async () => {
    const single = await sh('cat /proc/self/uid_map', '--userns=single');
    expect(single.stdout.trim().split(/\s+/)).toEqual(['0', String(process.getuid?.()), '1']);
    expect(single.stderr).toBe('');
    const refused = await sh('id', '--userns=single', '--user', '1000');
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/^ryouiki: --user 1000: uid 1000:1000 is not mapped in the container \(only uid 0\): /);
  });
});

describe('filesystems', () => {
  it('binds a host folder read-write and a file read-only', async () => {
    const out = await sh(
      'cat /data/hello.txt; echo inside > /data/new.txt; cat /etc/motd; echo x 2>/dev/null > /etc/motd || echo refused',
      '-v',
      `${volume}:/data`,
      '-v',
      `${join(volume, 'hello.txt')}:/srv/../etc/motd:ro`,
    );
    expect(out.stdout).toBe('from the host\nfrom the host\nrefused\n');
    expect(readFileSync(join(volume, 'new.txt'), 'utf8')).toBe('inside\n');
    expect(statSync(join(volume, 'new.txt')).uid).toBe(process.getuid?.());
  });

  it('refuses writes to a read-only volume, also after trying to remount it', async () => {
    const out = await sh('mount -o remount,rw /data 2>/dev/null && echo remounted; touch /data/x 2>/dev/null || echo refused', '-v', `${volume}:/data:ro`);
    expect(out.stdout).toBe('refused\n');
    expect(existsSync(join(volume, 'x'))).toBe(false);
  });

  it('mounts --tmpfs with its options', async () => {
    const out = await sh('grep " /srv " /proc/self/mounts; echo x > /srv/f && cat /srv/f', '--tmpfs', '/srv:size=1m');
    expect(out.stdout).toMatch(/^tmpfs \/srv tmpfs rw,nosuid,nodev,.*size=1024k/);
    expect(out.stdout).toMatch(/\nx\n$/);
  });

  it('keeps the rootfs read-only with --read-only, /tmp, /run and /dev/shm writable', async () => {
    const out = await sh('touch /etc/x 2>/dev/null || echo refused; for d in /tmp /run /dev/shm; do touch $d/x && echo $d; done', '--read-only');
    expect(out.stdout).toBe('refused\n/tmp\n/run\n/dev/shm\n');
    expect(existsSync(join(rootfs, 'etc', 'x'))).toBe(false);
  });

  it('creates a missing mount point only on an overlay; the lower rootfs stays byte for byte the same', async () => {
    const before = treeDigest(rootfs);
    const out = await sh('echo changed > /etc/passwd; rm /bin/ls; mkdir /made; cat /deep/in/here/hello.txt; cat /etc/passwd', '--overlay', '-v', `${volume}:/deep/in/here:ro`);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('from the host\nchanged\n');
    expect(treeDigest(rootfs)).toBe(before);
    const again = await sh('cat /etc/passwd | head -1; test -e /made || echo gone', '--overlay');
    expect(again.stdout).toBe('root:x:0:0:root:/root:/bin/sh\ngone\n');
  });

  it('generates /etc/hostname, /etc/hosts and /etc/resolv.conf per container, never in the rootfs', async () => {
    // Without a network there is no nameserver to name; the network's own files are tested in network.test.ts.
    const out = await sh('cat /etc/hostname; grep -c "127.0.1.1\tbox$" /etc/hosts; grep -c nameserver /etc/resolv.conf; echo 10.0.0.1 extra >> /etc/hosts', '--hostname', 'box', '--network', 'none');
    expect(out.stdout).toBe('box\n1\n0\n');
    for (const name of ['hosts', 'hostname', 'resolv.conf']) expect(readFileSync(join(rootfs, 'etc', name), 'utf8')).toBe('');
  });

  it("mounts /sys read-only and masks podman's masked paths", async () => {
    const out = await sh(
      [
        'grep " /sys " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1',
        'ls /sys/firmware | wc -l',
        'wc -c < /proc/keys',
        'wc -c < /proc/timer_list',
        'echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo sys-refused',
        'echo b > /proc/sysrq-trigger 2>/dev/null || echo sysrq-refused',
      ].join('; '),
    );
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual(['ro', '0', '0', '0', 'sys-refused', 'sysrq-refused']);
  });
});

describe('privileges', () => {
  it("cuts the capabilities to podman's default set and sets no_new_privs", async () => {
    const out = await sh('grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status');
    expect(statusField(out.stdout, 'CapBnd')).toBe(DEFAULT_CAPS);
    expect(statusField(out.stdout, 'CapEff')).toBe(DEFAULT_CAPS);
    expect(statusField(out.stdout, 'CapPrm')).toBe(DEFAULT_CAPS);
    expect(statusField(out.stdout, 'CapInh')).toBe(DEFAULT_CAPS);
    expect(statusField(out.stdout, 'CapAmb')).toBe('0000000000000000');
    expect(statusField(out.stdout, 'NoNewPrivs')).toBe('1');
    expect(statusField(out.stdout, 'Seccomp')).toBe('2');
  });

  it('adjusts the set with --cap-add and --cap-drop, ALL included', async () => {
    const added = await sh('grep ^CapEff /proc/self/status', '--cap-add', 'NET_RAW', '--cap-drop', 'CAP_KILL');
    expect(statusField(added.stdout, 'CapEff')).toBe('00000000800425db');
    const none = await sh('grep ^CapBnd /proc/self/status', '--cap-drop', 'ALL');
    expect(statusField(none.stdout, 'CapBnd')).toBe('0000000000000000');
  });

  it('keeps every capability and no filter with --privileged', async () => {
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const out = await sh('grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status', '--privileged');
    expect(BigInt(`0x${statusField(out.stdout, 'CapEff')}`)).toBe((1n << BigInt(last + 1)) - 1n);
    expect(statusField(out.stdout, 'NoNewPrivs')).toBe('0');
    expect(statusField(out.stdout, 'Seccomp')).toBe('0');
  });

  it('refuses keyctl, add_key, bpf, perf_event_open, userfaultfd and unshare -U with the default filter', async () => {
    const out = await sh('syscall-probe keyctl add_key bpf perf_event_open userfaultfd; unshare -U true 2>/dev/null || echo unshare: refused');
    expect(out.stdout.trim().split('\n')).toEqual(['keyctl: EPERM', 'add_key: EPERM', 'bpf: EPERM', 'perf_event_open: EPERM', 'userfaultfd: EPERM', 'unshare: refused']);
    const unconfined = await sh('syscall-probe keyctl', '--seccomp=unconfined');
    expect(unconfined.stdout).not.toBe('keyctl: EPERM\n');
  });

  it('applies an OCI seccomp profile given with --seccomp=FILE', async () => {
    const profile = join(work, 'profile.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    const out = await sh('mkdir /tmp/d 2>&1; syscall-probe keyctl', `--seccomp=${profile}`);
    expect(out.stdout).toMatch(/Permission denied\n/);
    expect(out.stdout).not.toMatch(/keyctl: EPERM/);
  });
});

describe('escape attempts', () => {
  it("sees none of the host's processes", async () => {
    const out = await sh('ls /proc | grep -E "^[0-9]+$"');
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map(Number)
        .every((pid) => pid < 10),
    ).toBe(true);
  });

  it('cannot reach host files through /proc/1/root, .. or the mount table', async () => {
    const marker = join(work, 'host-secret');
    writeFileSync(marker, 'secret\n');
    const out = await sh(`cat /proc/1/root${marker} 2>/dev/null || echo no-root; cd /; cd ../../..; pwd; ls /proc/1/cwd/.. | grep -c host-secret; grep -c "${work}" /proc/self/mounts`);
    expect(out.stdout.trim().split('\n')).toEqual(['no-root', '/', '0', '0']);
  });

  it('cannot mknod a block device nor mount a block device', async () => {
    const out = await sh(
      'mknod /tmp/sda b 8 0 2>/dev/null || echo mknod-refused; mount -t ext4 /dev/vda /data 2>/dev/null || echo mount-refused; mount -t tmpfs none /data 2>/dev/null || echo tmpfs-refused',
    );
    expect(out.stdout).toBe('mknod-refused\nmount-refused\ntmpfs-refused\n');
  });

  it("gains nothing from a setuid-root binary: no new privileges, and files on a host bind stay the caller's", async () => {
    const out = await sh('/bin/busybox-suid id -u; /bin/busybox-suid touch /data/by-suid 2>/dev/null || echo refused', '--user', '1000', '-v', `${volume}:/data`);
    expect(out.stdout).toBe('1000\nrefused\n');
    const asRoot = await sh('/bin/busybox-suid touch /data/by-root', '-v', `${volume}:/data`);
    expect(asRoot.exitCode).toBe(0);
    expect(statSync(join(volume, 'by-root')).uid).toBe(process.getuid?.());
  });
});

describe('bad isolation flags', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['-v with a missing host path', () => ['-v', `${join(work, 'nope')}:/data`], /^-v .*: the host path .*\/nope does not exist: create it first$/],
    ['-v with a relative container path', () => ['-v', `${volume}:data`], /^-v .*: the container path data must be absolute$/],
    ['--user with a name the rootfs lacks', () => ['--user', 'ghost'], /^--user ghost: the rootfs has no user ghost in \/etc\/passwd: /],
    ['an unknown capability', () => ['--cap-add', 'FLY'], /^unknown capability FLY: /],
    ['an unreadable seccomp file', () => [`--seccomp=${join(work, 'missing.json')}`], /^--seccomp=.*missing.json: cannot read it \(ENOENT\): /],
    ['an unknown --userns', () => ['--userns=host'], /^--userns=host: use auto /],
  ];

  it.each(cases)('refuses %s with one line and exit 125', async (_name, args, message) => {
    const out = await tenkai([...args(), '--command', 'touch /started']);
    expect(out.exitCode).toBe(125);
    expect(out.stdout).toBe('');
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.replace(/^ryouiki: /, '')).toMatch(message);
    expect(existsSync(join(rootfs, 'started'))).toBe(false);
  });
});

describe('overlay fallback', () => {
  it('uses fuse-overlayfs when the kernel overlay is not to be used, the lower rootfs unchanged', async () => {
    const before = treeDigest(rootfs);
    const args = ['tenkai', '--path', rootfs, '--root', store, '--overlay', '--command', 'echo changed > /etc/motd; cat /etc/motd; grep -c "^fuse-overlayfs / fuse" /proc/self/mounts'];
    const out = await collect(startRyouiki(args, { RYOUIKI_OVERLAY_DRIVER: 'fuse-overlayfs' }), '');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('changed\n1\n');
    expect(treeDigest(rootfs)).toBe(before);
  });
});
