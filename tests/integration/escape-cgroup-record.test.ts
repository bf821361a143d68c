/**
 * A recorded cgroup is checked before it is killed and removed: a damaged or
 * planted state.json whose cgroup record names a cgroup that is not one of
 * the caller's containers' (here: the caller's own cgroup, with a bystander
 * in it) must not make `rm -f`, `stop` or `ryouiki-runtime delete` write its
 * cgroup.kill or remove it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { hierarchies } from './cgroup-harness.js';
import { useEscapeWorkspace, writeEscapeBundle } from './escape-harness.js';
import { collect, RYOUIKI, waitFor, type Outcome } from './harness.js';
import { cgroupsLeftOf, containersIn, RUNTIME, runtime } from './oci-harness.js';

const space = useEscapeWorkspace('escape-cgroup-record');

let delegated: string;
let count = 0;
const bystanders: ChildProcess[] = [];

beforeAll(() => {
  const unified = hierarchies().find((hierarchy) => hierarchy.version === 2);
  if (unified === undefined || !existsSync(join(unified.ownDir, 'cgroup.kill'))) throw new Error('these tests need a cgroup v2 folder with cgroup.kill that the caller can write');
  delegated = unified.ownDir;
}, 120000);

afterEach(async () => {
  for (const bystander of bystanders.splice(0)) bystander.kill('SIGKILL');
});

/** A cgroup of the caller's (below its delegated one) with a bystander process in it. */
async function victimCgroup(): Promise<{ dir: string; name: string; bystander: ChildProcess }> {
  const name = `victim-${process.pid}-${count++}`;
  const dir = join(delegated, name);
  mkdirSync(dir);
  const bystander = spawn('sh', ['-c', `echo $$ >${dir}/cgroup.procs && exec sleep 600`], { stdio: 'ignore' });
  bystanders.push(bystander);
  await waitFor(() => (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '' ? true : undefined), 'the bystander in its cgroup');
  return { dir, name, bystander };
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function removeVictim(victim: { dir: string; bystander: ChildProcess }): Promise<void> {
  victim.bystander.kill('SIGKILL');
  await waitFor(() => (alive(victim.bystander) ? undefined : true), 'the bystander to end');
  await waitFor(() => {
    try {
      rmdirSync(victim.dir);
      return true;
    } catch {
      return undefined;
    }
  }, `removing ${victim.dir}`);
}

/** PROGRAM ARGS run from inside the victim's cgroup: the record then names the caller's own cgroup. */
function runIn(victim: { dir: string }, program: string, args: string[]): Promise<Outcome> {
  return collect(spawn('sh', ['-c', `echo $$ >${victim.dir}/cgroup.procs && exec "$@"`, 'sh', program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Adds a cgroup record naming the victim to the resources of the state file at path. */
function plantRecord(path: string, victim: { dir: string; name: string }, how: 'plain' | 'dotdot'): void {
  const state = JSON.parse(readFileSync(path, 'utf8')) as { resources: Array<Record<string, unknown>> };
  const dir = how === 'plain' ? victim.dir : `${victim.dir}/../${victim.name}`;
  state.resources.push({ kind: 'cgroup', name: victim.name, folders: [{ version: 2, dir, controllers: [] }] });
  writeFileSync(path, JSON.stringify(state));
}

describe("a recorded cgroup that is not a container's", () => {
  it('baseline: the caller may kill its own cgroup: a write to its cgroup.kill ends the bystander', async () => {
    const victim = await victimCgroup();
    writeFileSync(join(victim.dir, 'cgroup.kill'), '1');
    await waitFor(() => (alive(victim.bystander) ? undefined : true), 'the bystander to be killed');
    await removeVictim(victim);
  });

  for (const how of ['plain', 'dotdot'] as const) {
    for (const command of ['rm -f', 'stop'] as const) {
      it(`ryouiki ${command} leaves it alone (${how === 'plain' ? 'named as it is' : 'named through ..'}) and releases the container's own`, async () => {
        const victim = await victimCgroup();
        const started = await collect(spawn(RYOUIKI, ['start', '--root', space.store, '--path', space.rootfs, '--command', 'sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'] }));
        expect(started.stderr).toBe('');
        const id = started.stdout.trim();
        const statePath = join(space.store, 'run', id, 'state.json');
        const own = (JSON.parse(readFileSync(statePath, 'utf8')) as { resources: Array<{ kind: string; folders?: Array<{ dir: string }> }> }).resources
          .filter((record) => record.kind === 'cgroup')
          .flatMap((record) => record.folders ?? [])
          .map((folder) => folder.dir);
        expect(own.length).toBeGreaterThan(0);
        plantRecord(statePath, victim, how);
        try {
          const out = await runIn(victim, RYOUIKI, command === 'rm -f' ? ['rm', '-f', '--root', space.store, id] : ['stop', '--root', space.store, id]);
          expect(out).toMatchObject({ exitCode: 0, stderr: '' });
        } finally {
          await runIn(victim, RYOUIKI, ['rm', '-f', '--root', space.store, id]);
        }
        expect(alive(victim.bystander)).toBe(true);
        expect(existsSync(victim.dir)).toBe(true);
        expect(own.filter((dir) => existsSync(dir))).toEqual([]);
        await removeVictim(victim);
      }, 60000);
    }
  }

  it("ryouiki-runtime delete --force leaves it alone and releases the container's own", async () => {
    const victim = await victimCgroup();
    const root = join(space.work, 'runtime-root');
    const bundle = writeEscapeBundle(join(space.work, 'bundle'), space.rootfs, ['/bin/sleep', '60']);
    expect((await runtime(space.work, root, ['create', '--bundle', bundle, 'planted'], 'create')).exitCode).toBe(0);
    plantRecord(join(root, 'planted', 'state.json'), victim, 'plain');
    const out = await runIn(victim, RUNTIME, ['--root', root, 'delete', '--force', 'planted']);
    expect(out).toMatchObject({ exitCode: 0, stderr: '' });
    expect(alive(victim.bystander)).toBe(true);
    expect(existsSync(victim.dir)).toBe(true);
    expect(containersIn(root)).toEqual([]);
    expect(cgroupsLeftOf('planted', [delegated])).toEqual([]);
    await removeVictim(victim);
  }, 60000);
});
