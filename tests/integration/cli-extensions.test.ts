import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { collect, makeTempDir, removeDir, REPO_ROOT, startRyouiki, tenkai, testRootfs } from './harness.js';

const work = makeTempDir('cli-extensions');
afterAll(() => removeDir(work));

/** oclif keeps plugins under the XDG folders: give each test its own. */
function isolatedRyouiki(args: string[], env: NodeJS.ProcessEnv = {}) {
  const xdg = { XDG_DATA_HOME: join(work, 'data'), XDG_CACHE_HOME: join(work, 'cache'), XDG_CONFIG_HOME: join(work, 'config') };
  return collect(startRyouiki(args, { ...xdg, ...env }), '');
}

/** A plugin of no commands whose init and prerun hooks write a line each to $HOOK_LOG. */
function hookPlugin(): string {
  const dir = join(work, 'hook-plugin');
  mkdirSync(dir, { recursive: true });
  const hooks = { init: './init.cjs', prerun: './prerun.cjs' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ryouiki-hook-probe', version: '1.0.0', oclif: { hooks } }));
  const hook = (line: string) => `module.exports = async function (options) { require('node:fs').appendFileSync(process.env.HOOK_LOG, ${line} + '\\n'); };\n`;
  writeFileSync(join(dir, 'init.cjs'), hook("'init ' + options.id"));
  writeFileSync(join(dir, 'prerun.cjs'), hook("'prerun ' + options.Command.id"));
  return dir;
}

/** What oclif says it loads (its debug lines): any mention of a bundled plugin means plugins were loaded. */
async function loadsPlugins(args: string[]): Promise<boolean> {
  const out = await isolatedRyouiki(args, { DEBUG: 'oclif:*' });
  expect(out.exitCode).toBe(0);
  return out.stderr.includes('@oclif/plugin-help');
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

  it("runs a user plugin's init and prerun hooks for ryouiki's own commands, and loads no plugin when there is none", async () => {
    const log = join(work, 'hooks.log');
    expect(await loadsPlugins(['version', '--short'])).toBe(false);
    expect((await isolatedRyouiki(['plugins', 'link', hookPlugin(), '--no-install'])).exitCode).toBe(0);
    const version = await isolatedRyouiki(['version', '--short'], { HOOK_LOG: log });
    expect(version.exitCode).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('init version\nprerun version\n');
    expect(await loadsPlugins(['version', '--short'])).toBe(true);
    expect((await isolatedRyouiki(['plugins', 'unlink', 'ryouiki-hook-probe'])).exitCode).toBe(0);
    rmSync(log);
    expect((await isolatedRyouiki(['version', '--short'], { HOOK_LOG: log })).exitCode).toBe(0);
    expect(() => readFileSync(log)).toThrow();
    // oclif's list of plugins is still there, empty: no plugin is loaded for it.
    expect(await loadsPlugins(['version', '--short'])).toBe(false);
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
