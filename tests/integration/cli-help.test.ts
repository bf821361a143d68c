import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, ryouiki } from './harness.js';

// ryouiki --help in podman's groups, an example in every command's help, and the version.

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;

function section(help: string, title: string): string[] {
  const start = help.indexOf(`${title}\n`);
  if (start === -1) return [];
  const body = help.slice(start + title.length + 1).split('\n\n')[0] ?? '';
  return body
    .split('\n')
    .filter((line) => /^ {2}\S/.test(line))
    .map((line) => line.trim().split(/\s+/)[0] as string);
}

describe('ryouiki --help', () => {
  it('lists the commands in groups, as podman does', async () => {
    const out = await ryouiki(['--help']);
    expect(out.exitCode).toBe(0);
    expect(section(out.stdout, 'CONTAINERS COMMANDS')).toEqual([
      'run',
      'tenkai',
      'start',
      'exec',
      'attach',
      'ps',
      'logs',
      'inspect',
      'top',
      'port',
      'stats',
      'cp',
      'stop',
      'restart',
      'kill',
      'wait',
      'rm',
    ]);
    expect(section(out.stdout, 'SYSTEM COMMANDS')).toEqual(['spec', 'version', 'completion', 'autocomplete', 'plugins', 'help']);
    expect(out.stdout).not.toContain('\nCOMMANDS\n');
  });

  it('shows an example in the help of every command', async () => {
    const listed = section((await ryouiki(['--help'])).stdout, 'CONTAINERS COMMANDS').concat(['spec', 'version', 'completion']);
    const helps = await Promise.all(listed.map(async (command) => ({ command, help: await ryouiki([command, '--help']) })));
    for (const { command, help } of helps) {
      expect({ command, exitCode: help.exitCode, example: /\nEXAMPLES\n {2}\$ ryouiki /.test(help.stdout) }).toEqual({ command, exitCode: 0, example: true });
    }
  }, 120_000);
});

describe('ryouiki version', () => {
  it('prints the version, also as -v and --version', async () => {
    expect(await ryouiki(['-v'])).toMatchObject({ exitCode: 0, stdout: `ryouiki version ${VERSION}\n` });
    expect(await ryouiki(['--version'])).toMatchObject({ exitCode: 0, stdout: `ryouiki version ${VERSION}\n` });
    const full = await ryouiki(['version']);
    expect(full.stdout).toMatch(new RegExp(`^Version: +${VERSION.replace(/\./g, '\\.')}\nOCI spec: +1\\.\\d+\\.\\d+\nNode\\.js: +v\\d+`));
    expect(JSON.parse((await ryouiki(['version', '--json'])).stdout)).toMatchObject({ Version: VERSION });
  });
});
