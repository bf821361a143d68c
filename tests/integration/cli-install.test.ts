import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, REPO_ROOT, testRootfs } from './harness.js';

// make install PREFIX=... puts ryouiki and ryouiki-runtime on the PATH with their helpers; make uninstall takes them away.

const work = makeTempDir('cli-install');
afterAll(() => removeDir(work));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('make install', () => {
  it('installs into PREFIX a ryouiki that runs containers from anywhere, and make uninstall removes it', async () => {
    const prefix = join(work, 'prefix');
    execFileSync('make', ['--no-print-directory', '-s', 'install', `PREFIX=${prefix}`], { cwd: REPO_ROOT, stdio: 'pipe' });
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['ryouiki', 'ryouiki-runtime']);
    // Run from elsewhere, with nothing of the checkout on the PATH or in the environment.
    const env = { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, HOME: process.env.HOME ?? work };
    const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: work, env, encoding: 'utf8' });
    const container = run('ryouiki', ['tenkai', '--root', join(work, 'store'), '--network', 'none', '--path', testRootfs(), 'echo', 'installed']);
    expect({ status: container.status, stdout: container.stdout, stderr: container.stderr }).toEqual({ status: 0, stdout: 'installed\n', stderr: '' });
    expect(run('ryouiki', ['-v']).stdout).toMatch(/^ryouiki version \d+\.\d+\.\d+\n$/);
    expect(run('ryouiki', ['--help']).stdout).toContain('CONTAINERS COMMANDS');
    expect(run('ryouiki-runtime', ['--version']).stdout).toMatch(/^ryouiki-runtime version /);
    expect(filesUnder(prefix).some((path) => path.endsWith('/helper/ryouiki-init'))).toBe(true);

    execFileSync('make', ['--no-print-directory', '-s', 'uninstall', `PREFIX=${prefix}`], { cwd: REPO_ROOT, stdio: 'pipe' });
    expect(filesUnder(prefix)).toEqual([]);
    await expectNoLeftovers();
  }, 300_000);
});
