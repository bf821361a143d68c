/**
 * State folder squatting: with XDG_RUNTIME_DIR unset, the store's runtime
 * folder is a predictable name under /tmp, which any local user can make
 * first and fill with state files whose records name folders of ours to
 * delete. Every command that reads the store must refuse a folder that is not
 * a private folder of ours (owned, 0700, not a symlink).
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, expectNoLeftovers, makeTempDir, removeDir, RYOUIKI, testRootfs, type Outcome } from './harness.js';
import { RUNTIME } from './oci-harness.js';

let work: string;
let uid: number;

beforeAll(() => {
  work = makeTempDir('escape-state-dir');
  uid = process.getuid?.() ?? 0;
});
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

/** The environment of a user without XDG_RUNTIME_DIR, whose /tmp is tmp. */
function withoutRuntimeDir(tmp: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_RUNTIME_DIR: '', RYOUIKI_ROOT: '', TMPDIR: tmp, XDG_DATA_HOME: join(work, 'data') };
}

function run(program: string, args: string[], tmp: string): Promise<Outcome> {
  return collect(spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: withoutRuntimeDir(tmp) }));
}

/** A folder of the victim's (in parent), and a state file in stateDir that names it as a container's resources. */
function plantRecords(stateDir: string, template: Record<string, unknown>, parent = work): string {
  const victim = join(parent, `victim-${Math.random().toString(16).slice(2)}`);
  mkdirSync(join(victim, 'precious'), { recursive: true });
  writeFileSync(join(victim, 'precious', 'thesis.txt'), 'years of work\n');
  const id = 'f'.repeat(64);
  mkdirSync(join(stateDir, id), { recursive: true, mode: 0o700 });
  const state = {
    ...template,
    id,
    name: 'planted',
    status: 'running',
    monitor: { pid: 2 ** 22 + 7, startTime: '1', bootId: 'planted' },
    process: { pid: 2 ** 22 + 8, startTime: '1', bootId: 'planted' },
    pid: 2 ** 22 + 8,
    autoRemove: true,
    logPath: join(victim, 'precious', 'thesis.txt'),
    resources: [{ kind: 'network', stateDir: victim }],
  };
  writeFileSync(join(stateDir, id, 'state.json'), JSON.stringify(state));
  return victim;
}

let template: Record<string, unknown>;

describe('the /tmp fallback state folder', () => {
  beforeAll(async () => {
    // A real state file to plant copies of: a detached container in a store of ours.
    const tmp = join(work, 'template-tmp');
    mkdirSync(tmp);
    const started = await run(RYOUIKI, ['start', '--path', testRootfs(), '--command', 'sleep 60'], tmp);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    template = JSON.parse(readFileSync(join(tmp, `ryouiki-${uid}`, id, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect((await run(RYOUIKI, ['rm', '-f', id], tmp)).exitCode).toBe(0);
  }, 60000);

  it('is a predictable name anyone may make first: the squatter needs no privilege', () => {
    expect(statSync('/tmp').mode & 0o1777).toBe(0o1777);
  });

  it('baseline: records of a folder that passes the check are acted upon: what they name inside the store is deleted', async () => {
    const tmp = join(work, 'trusted-tmp');
    mkdirSync(tmp);
    const stateDir = join(tmp, `ryouiki-${uid}`);
    mkdirSync(stateDir, { mode: 0o700 });
    const inside = plantRecords(stateDir, template, stateDir);
    await run(RYOUIKI, ['ps', '-a'], tmp);
    expect(existsSync(inside)).toBe(false);
  }, 60000);

  it('even then, nothing a record names outside the store is deleted', async () => {
    const tmp = join(work, 'trusted-tmp-2');
    mkdirSync(tmp);
    const stateDir = join(tmp, `ryouiki-${uid}`);
    mkdirSync(stateDir, { mode: 0o700 });
    const victim = plantRecords(stateDir, template);
    await run(RYOUIKI, ['ps', '-a'], tmp);
    await run(RYOUIKI, ['rm', '-f', 'planted'], tmp);
    expect(readFileSync(join(victim, 'precious', 'thesis.txt'), 'utf8')).toBe('years of work\n');
  }, 60000);

  const squats: Array<[string, (stateDir: string, tmp: string) => string]> = [
    [
      'a folder others can enter (0755)',
      (stateDir) => {
        mkdirSync(stateDir, { mode: 0o700 });
        chmodSync(stateDir, 0o755);
        return stateDir;
      },
    ],
    [
      'a folder others can write (0777)',
      (stateDir) => {
        mkdirSync(stateDir, { mode: 0o700 });
        chmodSync(stateDir, 0o777);
        return stateDir;
      },
    ],
    [
      'a symlink to a private folder',
      (stateDir, tmp) => {
        const real = join(tmp, 'squatter-real');
        mkdirSync(real, { mode: 0o700 });
        symlinkSync(real, stateDir);
        return real;
      },
    ],
  ];

  for (const [what, squat] of squats) {
    it(`is refused by every command that reads the store when it is ${what}`, async () => {
      const tmp = join(work, `tmp-${Math.random().toString(16).slice(2)}`);
      mkdirSync(tmp);
      const stateDir = join(tmp, `ryouiki-${uid}`);
      const filled = squat(stateDir, tmp);
      const victim = plantRecords(filled, template);
      const runtimeDir = join(tmp, `ryouiki-runtime-${uid}`);
      cpSync(filled, runtimeDir, { recursive: true });
      chmodSync(runtimeDir, 0o755);
      const commands: Array<[string, string[]]> = [
        [RYOUIKI, ['ps', '-a']],
        [RYOUIKI, ['ps']],
        [RYOUIKI, ['rm', '-f', 'planted']],
        [RYOUIKI, ['inspect', 'planted']],
        [RYOUIKI, ['stop', 'planted']],
        [RYOUIKI, ['kill', 'planted']],
        [RYOUIKI, ['logs', 'planted']],
        [RYOUIKI, ['start', '--path', testRootfs(), '--command', 'true']],
        [RUNTIME, ['list']],
        [RUNTIME, ['state', 'f'.repeat(64)]],
        [RUNTIME, ['delete', '--force', 'f'.repeat(64)]],
      ];
      for (const [program, args] of commands) {
        const out = await run(program, args, tmp);
        expect({ args, exitCode: out.exitCode }).toEqual({ args, exitCode: 125 });
        expect(out.stderr).toMatch(/is not a private folder of yours \(mode 0700\): remove it, or set XDG_RUNTIME_DIR or --root/);
      }
      expect(readFileSync(join(victim, 'precious', 'thesis.txt'), 'utf8')).toBe('years of work\n');
      rmSync(tmp, { recursive: true, force: true });
    }, 120000);
  }
});
