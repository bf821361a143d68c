import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, liveProcesses, removeDir, testRootfs, waitFor, type LiveProcess, type Outcome } from './harness.js';
import { RUNTIME } from './oci-harness.js';

export const IMAGE = 'localhost/ryouiki-busybox:test';

/**
 * A rootless podman of the test's own: its storage, runtime folder and
 * configuration under one temporary HOME, removed at the end; ryouiki-runtime
 * as its OCI runtime, cgroupfs unless told (no systemd here) and a file for its events.
 */
export class TestPodman {
  readonly env: NodeJS.ProcessEnv;
  readonly runtimeRoot: string;

  /** cgroupfs (the default here: no systemd) or systemd, podman's default on a systemd host, which needs the user's D-Bus. */
  constructor(
    readonly home: string,
    readonly cgroupManager: 'cgroupfs' | 'systemd' = 'cgroupfs',
  ) {
    const runtimeDir = join(home, 'run');
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    this.env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: runtimeDir,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      LANG: 'C.UTF-8',
    };
    const uid = process.getuid?.() ?? 0;
    if (cgroupManager === 'systemd') this.env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS ?? `unix:path=/run/user/${uid}/bus`;
    this.runtimeRoot = join(runtimeDir, 'ryouiki-runtime');
    // podman's default net.ipv4.ping_group_range cannot be written from the container's own
    // user namespace into the network namespace podman made in its own: see the README.
    mkdirSync(join(home, 'config', 'containers'), { recursive: true });
    writeFileSync(join(home, 'config', 'containers', 'containers.conf'), '[containers]\ndefault_sysctls = []\n');
  }

  args(args: string[]): string[] {
    return ['--runtime', RUNTIME, '--cgroup-manager', this.cgroupManager, '--events-backend', 'file', '--storage-driver', 'vfs', ...args];
  }

  run(args: string[], input = ''): Promise<Outcome> {
    return collect(spawn('podman', this.args(args), { env: this.env, stdio: 'pipe' }), input);
  }

  /** podman import of a tar of the test rootfs: an image made here, no registry reached; its files owned by root, as an image's are, or by owner. */
  importImage(image = IMAGE, owner = 0): void {
    const tar = join(this.home, `busybox-${owner}.tar`);
    execFileSync('tar', [`--owner=${owner}`, `--group=${owner}`, '--numeric-owner', '-C', testRootfs(), '-cf', tar, '.']);
    execFileSync('podman', this.args(['import', '--quiet', tar, image]), { env: this.env, stdio: 'ignore' });
  }

  /**
   * The pid of podman's rootless pause process, which holds its user namespace
   * for the podman's life: catatonit where installed, else podman's own
   * `podman pause`. Known by its pid file, whichever program it is.
   */
  pausePid(): number | undefined {
    const pausePidFile = join(this.env.XDG_RUNTIME_DIR!, 'libpod', 'tmp', 'pause.pid');
    return existsSync(pausePidFile) ? Number(readFileSync(pausePidFile, 'utf8')) : undefined;
  }

  /** Removes every container, the storage (through podman: its files belong to subordinate ids), the pause process and HOME. */
  async destroy(): Promise<void> {
    // Read first: the reset may remove the file and leave the process.
    const pausePid = this.pausePid();
    await this.run(['rm', '--all', '--force']);
    await this.run(['system', 'reset', '--force']);
    if (pausePid !== undefined) {
      try {
        process.kill(pausePid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    removeDir(this.home);
  }
}

/** podman's own processes of this user: conmon, its rootless pause process, rootlessport. */
export function podmanProcesses(): LiveProcess[] {
  return liveProcesses().filter((p) => ['conmon', 'catatonit', 'rootlessport', 'rootlessport-ch'].includes(p.comm) || p.comm.startsWith('podman'));
}

/** Waits for podman's processes to end, all but the pause process, which lives until destroy(). */
export async function expectNoPodmanLeftovers(podman: TestPodman): Promise<void> {
  const pausePid = podman.pausePid();
  const leftovers = (): LiveProcess[] => podmanProcesses().filter((p) => p.pid !== pausePid);
  await waitFor(() => (leftovers().length === 0 ? true : undefined), 'conmon to end', 5000).catch(() => {
    throw new Error(`podman processes left behind: ${JSON.stringify(leftovers())}`);
  });
}

export function runtimeContainers(podman: TestPodman): string[] {
  return existsSync(podman.runtimeRoot) ? readdirSync(podman.runtimeRoot) : [];
}
