import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Kept free of imports from the tests: jest loads this file outside their module mapping.
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HELPER = join(REPO_ROOT, 'helper', 'ryouiki-init');

/**
 * Checks that rootless containers can run here, then builds the busybox rootfs
 * the tests share. Under CI=true a test that cannot run is a failure, so every
 * precondition failure throws; elsewhere it throws too, with the fix: these
 * tests exist to run in real namespaces, and a silent skip would hide that.
 */
function precondition(ok: boolean, message: string): void {
  if (!ok) throw new Error(`integration tests cannot run: ${message}`);
}

export default function globalSetup(): void {
  // Only the root-mode tests (as-root-*, make check-root) run as root: they drive engines that run their runtime as root.
  const asRoot = process.env.RYOUIKI_TEST_AS_ROOT === '1';
  precondition(
    asRoot ? process.getuid?.() === 0 : process.getuid?.() !== 0,
    asRoot ? 'the root-mode tests must run as root: use make check-root' : 'they must run as an unprivileged user, never root: use make test, which runs them as the test user',
  );
  precondition(existsSync(HELPER), `${HELPER} is missing: run make first`);
  precondition(existsSync('/bin/busybox'), 'busybox-static is not installed (apt-get install busybox-static)');
  const userns = spawnSync('unshare', ['--user', '--map-root-user', 'true'], { encoding: 'utf8' });
  precondition(userns.status === 0, `unprivileged user namespaces are refused here: ${userns.stderr.trim()}`);
  const shared = mkdtempSync(join(tmpdir(), 'ryouiki-rootfs-'));
  const rootfs = join(shared, 'rootfs');
  execFileSync(join(REPO_ROOT, 'scripts', 'make-busybox-rootfs.sh'), [rootfs]);
  process.env.RYOUIKI_TEST_ROOTFS = rootfs;
  // What a container without --root keeps (the compiled seccomp filters) goes with the run, not into the user's ~/.cache.
  process.env.XDG_CACHE_HOME = join(shared, 'cache');
  // Ryouiki's folders in the user's home that the run must not leave behind (see globalTeardown).
  process.env.RYOUIKI_TEST_HOME_FOLDERS = JSON.stringify(userFolders().filter((folder) => !existsSync(folder)));
}

/** Where Ryouiki keeps a user's data and cache when no --root, RYOUIKI_ROOT or XDG variable moves them. */
function userFolders(): string[] {
  return [join(homedir(), '.local', 'share', 'ryouiki'), join(homedir(), '.cache', 'ryouiki')];
}
