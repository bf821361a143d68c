/**
 * CVE-2019-5736: when the runtime's binaries belong to the user (an install
 * under the home folder, or RYOUIKI_HELPER and RYOUIKI_EXEC pointing at copies
 * of theirs), root in the container is that user on the host, and a process
 * that entered the container leads to its binary through /proc/PID/exe: hold
 * it, wait until it no longer runs, write it. A binary that enters a container
 * must be a sealed copy.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { collect, REPO_ROOT, RYOUIKI } from './harness.js';
import { useEscapeWorkspace } from './escape-harness.js';

const space = useEscapeWorkspace('escape-binary');

let install: string;
let env: NodeJS.ProcessEnv;
const BINARIES = ['ryouiki-init', 'ryouiki-monitor', 'ryouiki-exec'];

function digest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function digests(): Record<string, string> {
  return Object.fromEntries(BINARIES.map((name) => [name, digest(join(install, name))]));
}

function ryouikiWith(args: string[]) {
  return collect(spawn(RYOUIKI, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

beforeAll(() => {
  // A user-owned install, as one under the home folder is.
  install = join(space.work, 'home', '.local', 'lib', 'ryouiki');
  mkdirSync(install, { recursive: true });
  for (const name of BINARIES) {
    copyFileSync(join(REPO_ROOT, 'packages', 'core', 'helper', name), join(install, name));
    chmodSync(join(install, name), 0o755);
  }
  env = { RYOUIKI_HELPER: join(install, 'ryouiki-init'), RYOUIKI_MONITOR: join(install, 'ryouiki-monitor'), RYOUIKI_EXEC: join(install, 'ryouiki-exec') };
}, 120000);

describe('the binaries that enter a container', () => {
  it('are owned by the test user here, so the attack has something to write', () => {
    for (const name of BINARIES) expect(statSync(join(install, name)).uid).toBe(process.getuid?.());
  });

  it('baseline: a user-owned binary is overwritten through /proc/PID/exe once it stops running', async () => {
    const victim = join(space.work, 'sleep-copy');
    copyFileSync('/bin/sleep', victim);
    const before = digest(victim);
    const sleeper = spawn(victim, ['1'], { stdio: 'ignore' });
    const attack = await collect(spawn(join(space.rootfs, 'bin', 'escape-probe'), ['overwrite-exe', String(sleeper.pid), '-'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(attack.stdout).toContain('overwrite-exe: OK');
    expect(digest(victim)).not.toBe(before);
  });

  it('the init (PID 1) runs from a sealed copy, not from the installed ryouiki-init', async () => {
    const before = digests();
    const out = await ryouikiWith(['tenkai', '--path', space.rootfs, '--root', space.store, '--cap-add', 'SYS_PTRACE', '--command', 'readlink /proc/1/exe; echo x >>/proc/1/exe; echo "write: $?"']);
    expect(out.stdout).toMatch(/^\/memfd:ryouiki-init \(deleted\)\nwrite: 1\n$/);
    expect(digests()).toEqual(before);
  });

  it("ryouiki exec's ryouiki-exec, run again in the container by #!/proc/self/exe, leads to a sealed copy", async () => {
    const before = digests();
    const started = await ryouikiWith([
      'start',
      '--path',
      space.rootfs,
      '--root',
      space.store,
      '--cap-add',
      'SYS_PTRACE',
      '--tmpfs',
      '/tmp',
      '--command',
      'printf "#!/proc/self/exe\\n" >/tmp/evil; chmod 755 /tmp/evil; /bin/escape-probe overwrite-exe 0 ryouiki-exec >/tmp/report 2>&1; sleep 60',
    ]);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    try {
      let report = '';
      for (let attempt = 0; attempt < 20 && !report.includes('overwrite-exe:'); attempt++) {
        // The program is a script whose interpreter is ryouiki-exec itself: it runs in the container, briefly.
        await ryouikiWith(['exec', '--root', space.store, id, '/tmp/evil']);
        await new Promise((resolveWait) => setTimeout(resolveWait, 200));
        report = (await ryouikiWith(['exec', '--root', space.store, id, 'cat', '/tmp/report'])).stdout;
      }
      expect(report).toMatch(/^exe: \/memfd:ryouiki-exec \(deleted\)\noverwrite-exe: (EPERM|EACCES|ETXTBSY)\n$/);
    } finally {
      await ryouikiWith(['rm', '-f', '--root', space.store, id]);
    }
    expect(digests()).toEqual(before);
  }, 120000);
});
