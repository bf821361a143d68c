import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './harness.js';

/** The shared libraries a host program needs, as ldd lists them. */
function librariesOf(program: string): string[] {
  const out = execFileSync('ldd', [program], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1] as string);
}

function copyWithLibraries(program: string, rootfs: string): void {
  for (const file of [program, ...librariesOf(program)]) {
    const target = join(rootfs, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    chmodSync(target, 0o755);
  }
}

/**
 * The busybox rootfs plus what the escape tests need: the host's real setpriv
 * (util-linux, with its libraries) to drop privileges, a static syscall probe,
 * the escape tests' attacks (escape-probe), a setuid-root copy of busybox, a user 1000 and the mount points /data and
 * /ro. No distribution tree is downloaded.
 */
export function buildIsolationRootfs(rootfs: string): void {
  execFileSync(join(REPO_ROOT, 'scripts', 'make-busybox-rootfs.sh'), [rootfs]);
  for (const dir of ['data', 'ro', 'srv']) mkdirSync(join(rootfs, dir));
  execFileSync('sh', [
    '-c',
    `echo 'app:x:1000:1000:app:/:/bin/sh' >>${rootfs}/etc/passwd; echo 'app:x:1000:' >>${rootfs}/etc/group; echo motd >${rootfs}/etc/motd; : >${rootfs}/etc/hosts; : >${rootfs}/etc/hostname; : >${rootfs}/etc/resolv.conf`,
  ]);
  copyWithLibraries('/usr/bin/setpriv', rootfs);
  execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'bin', 'syscall-probe'), join(REPO_ROOT, 'tests', 'integration', 'fixtures', 'syscall-probe.c')]);
  execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'bin', 'escape-probe'), join(REPO_ROOT, 'tests', 'integration', 'fixtures', 'escape-probe.c')]);
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox-suid'));
  chmodSync(join(rootfs, 'bin', 'busybox-suid'), 0o4755);
}
