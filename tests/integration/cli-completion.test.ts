import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT, ryouiki, testRootfs } from './harness.js';
import { useStores } from './detached-harness.js';
import { tarOf } from './images-harness.js';

// Completion in bash and zsh: the scripts of ryouiki completion, run by the shells themselves.

const { work, newStore } = useStores('cli-completion');

async function complete(words: string[]): Promise<string[]> {
  const out = await ryouiki(['__complete', '--', ...words]);
  expect(out).toMatchObject({ exitCode: 0, stderr: '' });
  return out.stdout.split('\n').filter(Boolean);
}

/** The shell's completions of a command line, its last word being completed: COMPREPLY in bash, compadd's words in zsh. */
function shellCompletions(shell: 'bash' | 'zsh', words: string[]): string[] {
  const script = join(work, `completion.${shell}`);
  const quoted = words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const body =
    shell === 'bash'
      ? `source ${script}\nCOMP_WORDS=(ryouiki ${quoted}); COMP_CWORD=${words.length}\n_ryouiki\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`
      : // Outside a completion widget, compdef and compadd are ours: compadd prints what it was given.
        `compdef() { :; }\ncompadd() { shift; print -l -- "$@"; }\n_files() { print FILES; }\nsource ${script}\nwords=(ryouiki ${quoted}); CURRENT=${words.length + 1}\n_ryouiki\n`;
  const out = spawnSync(shell, ['-c', body], { encoding: 'utf8', env: { ...process.env, PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH ?? ''}` } });
  expect(out.stderr).toBe('');
  return out.stdout.split('\n').filter(Boolean);
}

describe('ryouiki completion', () => {
  it('completes commands, flags, flag values and container names in bash and zsh', async () => {
    const store = newStore();
    for (const shell of ['bash', 'zsh'] as const) {
      const out = await ryouiki(['completion', shell]);
      expect(out.exitCode).toBe(0);
      writeFileSync(join(work, `completion.${shell}`), out.stdout);
    }
    expect(spawnSync('zsh', ['-n', join(work, 'completion.zsh')]).status).toBe(0);
    const started = await ryouiki(['start', '--name', 'completed-web', '--root', store, '--network', 'none', '--path', testRootfs(), 'sleep', '300']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();

    for (const shell of ['bash', 'zsh'] as const) {
      expect(shellCompletions(shell, ['st'])).toEqual(expect.arrayContaining(['start', 'stats', 'stop']));
      expect(shellCompletions(shell, ['tenkai', '--network', ''])).toEqual(['slirp4netns', 'slirp4netns:allow_host_loopback=true', 'pasta', 'none', 'host']);
      expect(shellCompletions(shell, ['kill', '-s', ''])).toEqual(expect.arrayContaining(['TERM', 'HUP', 'KILL', 'USR1']));
      expect(shellCompletions(shell, ['exec', '--root', store, ''])).toEqual(['completed-web', id.slice(0, 12)]);
    }
    expect(shellCompletions('bash', ['kill', '-s', 'US'])).toEqual(['USR1', 'USR2']);
    expect(shellCompletions('bash', ['tenkai', '--pa'])).toEqual(['--path']);
    expect(shellCompletions('zsh', ['tenkai', '--path', ''])).toEqual(['FILES']);

    expect(await complete(['tenkai', '--cgroups', ''])).toEqual(['enabled', 'disabled']);
    expect(await complete(['rm', '--root', store, 'completed-web', ''])).toEqual(['completed-web', id.slice(0, 12)]);
    // The program's own words are files, never ryouiki's flags.
    expect(await complete(['exec', '--root', store, 'completed-web', 'ls', '--'])).toEqual([':files']);
    expect(await complete(['tenkai', '--path', '/r', 'echo', '-'])).toEqual([':files']);
    // run's and start's image, and --image: the names of the image store.
    expect(await complete(['run', '--root', store, ''])).toEqual([]);
    const tarball = join(store, 'box.tar');
    writeFileSync(tarball, tarOf(testRootfs()));
    expect(await ryouiki(['import', '--root', store, tarball, 'box:v1'])).toMatchObject({ exitCode: 0 });
    expect(await complete(['run', '--root', store, ''])).toEqual(['localhost/box:v1']);
    expect(await complete(['start', '--root', store, ''])).toEqual(['localhost/box:v1']);
    expect(shellCompletions('bash', ['rmi', '--root', store, 'local'])).toEqual(['localhost/box:v1']);
    expect(await complete(['tenkai', '--root', store, '--image', ''])).toEqual(['localhost/box:v1']);
    expect(await complete(['rmi', '--root', store, ''])).toEqual(['localhost/box:v1']);
    expect(await ryouiki(['rmi', '--root', store, 'box:v1'])).toMatchObject({ exitCode: 0 });
    expect(await complete(['run', '--path', '/r', ''])).toEqual([':files']);
  }, 120000);
});
