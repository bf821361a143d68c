import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { collect, makeTempDir, removeDir, REPO_ROOT, startRyouiki, tenkai, testRootfs } from './harness.js';

const work = makeTempDir('cli-extensions');
afterAll(() => removeDir(work));

/** oclif keeps plugins under the XDG folders: give each test its own. */
function isolatedRyouiki(args: string[]) {
  const xdg = { XDG_DATA_HOME: join(work, 'data'), XDG_CACHE_HOME: join(work, 'cache'), XDG_CONFIG_HOME: join(work, 'config') };
  return collect(startRyouiki(args, xdg), '');
}

describe('extending the CLI', () => {
  it('links the example plugin and runs its command, which goes through @ryouiki/core', async () => {
    const link = await isolatedRyouiki(['plugins', 'link', join(REPO_ROOT, 'packages', 'plugin-example'), '--no-install']);
    expect(link.exitCode).toBe(0);
    expect((await isolatedRyouiki(['plugins'])).stdout).toContain('@ryouiki/plugin-example');
    const hello = await isolatedRyouiki(['hello', '--path', testRootfs(), '--name', 'Yuji']);
    expect(hello.exitCode).toBe(0);
    expect(hello.stdout).toMatch(/^hello, Yuji, from [0-9a-f]{12}\n$/);
    expect((await isolatedRyouiki(['plugins', 'unlink', '@ryouiki/plugin-example'])).exitCode).toBe(0);
    const gone = await isolatedRyouiki(['hello', '--path', testRootfs()]);
    expect(gone.exitCode).toBe(125);
    expect(gone.stderr).toBe('ryouiki: command hello not found: see ryouiki --help\n');
  });

  it('prints a shell completion script', async () => {
    const bash = await isolatedRyouiki(['autocomplete', 'script', 'bash']);
    expect(bash.exitCode).toBe(0);
    expect(bash.stdout).toContain('ryouiki');
  });

  it('gives inspect --json as the library returns it', async () => {
    const store = join(work, 'json-store');
    await tenkai(store, ['--command', 'exit 2']);
    const out = await collect(startRyouiki(['inspect', '--root', store, '--json']), '');
    expect(out.exitCode).toBe(0);
    const logs = JSON.parse(out.stdout) as Array<{ pid: number; lines: string[]; entries: Array<Record<string, unknown>> }>;
    expect(logs).toHaveLength(1);
    expect(logs[0]?.entries.map((entry) => [entry.command, entry.status, entry.exitCode])).toEqual([
      ['exit 2', 'started', undefined],
      ['exit 2', 'failed', 2],
    ]);
  });

  it('shows examples in the help of every command', async () => {
    for (const command of ['tenkai', 'inspect']) {
      const help = await isolatedRyouiki([command, '--help']);
      expect(help.stdout).toContain('EXAMPLES');
    }
  });
});
