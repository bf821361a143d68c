import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, REPO_ROOT, testRootfs } from './harness.js';

const work = makeTempDir('packaging');
afterAll(() => removeDir(work));

function pack(name: string): string {
  const destination = join(work, 'tarballs');
  execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: join(REPO_ROOT, 'packages', name), stdio: 'ignore' });
  const tarball = readdirSync(destination).find((file) => file.startsWith(`ryouiki-${name}-`));
  if (tarball === undefined) throw new Error(`pnpm pack made no tarball for ${name}`);
  return join(destination, tarball);
}

describe('the published packages', () => {
  it('install on their own outside the workspace and run a container from a script that imports only @ryouiki/core', async () => {
    const tarballs = { core: pack('core'), logs: pack('logs'), net: pack('net') };
    const project = join(work, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: { '@ryouiki/core': `file:${tarballs.core}` } }));
    // The sibling packages are not on the registry: point their names at the tarballs.
    writeFileSync(join(project, 'pnpm-workspace.yaml'), `overrides:\n  '@ryouiki/logs': 'file:${tarballs.logs}'\n  '@ryouiki/net': 'file:${tarballs.net}'\n`);
    execFileSync('pnpm', ['install', '--prefer-offline', '--reporter=silent'], { cwd: project, stdio: 'pipe' });
    writeFileSync(
      join(project, 'main.js'),
      `import { run } from '@ryouiki/core';
const result = await run({ rootfs: process.argv[2], command: ['/bin/sh', '-c', 'echo "$(id -u) in $(hostname)"'], hostname: 'packed', network: 'none' }, { root: process.argv[3], input: '' });
process.stdout.write(result.stdout);
process.exitCode = result.exitCode;
`,
    );
    // CommonJS: require() of the ES module works (Node.js 20.19 and later), or says to use import.
    writeFileSync(join(project, 'main.cjs'), "const core = require('@ryouiki/core'); process.stdout.write(typeof core.run + ' ' + typeof core.start + '\\n');\n");
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? work };
    const output = execFileSync('node', ['main.js', testRootfs(), join(work, 'store')], { cwd: project, env, encoding: 'utf8' });
    expect(output).toBe('0 in packed\n');
    expect(execFileSync('node', ['main.cjs'], { cwd: project, env, encoding: 'utf8' })).toBe('function function\n');
    const old = spawnSync('node', ['--no-experimental-require-module', 'main.cjs'], { cwd: project, env, encoding: 'utf8' });
    expect(old.status).toBe(1);
    expect(old.stderr).toContain("Error: @ryouiki/core is an ES module: use import { run } from '@ryouiki/core'");
    await expectNoLeftovers();
  }, 120000);
});
