import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { RyouikiError } from '../errors.js';
import { processIdentity } from './proc-identity.js';
import { checkLayoutId, StateStore, type StoreLayout } from './state-store.js';

const dir = mkdtempSync(join(tmpdir(), 'state-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LAYOUT: StoreLayout = { idPattern: /^[a-z0-9.]+$/, badId: (id) => new RyouikiError('USAGE', `bad id ${id}`) };

let count = 0;
function newStore(): StateStore {
  const root = join(dir, `root-${count++}`);
  mkdirSync(root, { mode: 0o700 });
  return new StateStore(root, LAYOUT);
}

describe('StateStore', () => {
  it('makes a folder with its state.json in one step, and refuses an id already taken', () => {
    const store = newStore();
    store.create('c1', { id: 'c1', n: 1 });
    expect(readdirSync(store.root)).toEqual(['c1']);
    expect(JSON.parse(store.readText('c1') ?? '')).toEqual({ id: 'c1', n: 1 });
    expect(() => store.create('c1', { id: 'c1', n: 2 })).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(EEXIST|ENOTEMPTY)$/) }));
    expect(readdirSync(store.root)).toEqual(['c1']);
    expect(JSON.parse(store.readText('c1') ?? '')).toEqual({ id: 'c1', n: 1 });
  });

  it('makes its root, private, on the first create; refuses a root others can enter', () => {
    const store = new StateStore(join(dir, `root-${count++}`, 'store'), LAYOUT);
    store.create('c1', {});
    expect(statSync(store.root).mode & 0o777).toBe(0o700);
    chmodSync(store.root, 0o755);
    expect(() => store.create('c2', {})).toThrow(expect.objectContaining({ code: 'STATE_DIR_UNSAFE' }));
    expect(store.ids()).toEqual(['c1']);
  });

  it('writes state.json whole, and leaves no temporary file', () => {
    const store = newStore();
    store.create('c1', { n: 1 });
    store.write('c1', { n: 2 });
    expect(JSON.parse(readFileSync(store.statePath('c1'), 'utf8'))).toEqual({ n: 2 });
    expect(readdirSync(store.folder('c1'))).toEqual(['state.json']);
    rmSync(store.folder('c1'), { recursive: true });
    expect(() => store.write('c1', { n: 3 })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it("checks ids by its layout: a refused id is the layout's error, has no state, and is never a path", () => {
    const store = newStore();
    for (const id of ['..', '.', 'A', 'a/b', '']) {
      expect(() => store.checkId(id)).toThrow(`bad id ${id}`);
      expect(() => checkLayoutId(LAYOUT, id)).toThrow(RyouikiError);
      expect(store.readText(id)).toBeUndefined();
    }
    writeFileSync(join(dir, 'state.json'), '{}');
    expect(store.readText('..')).toBeUndefined();
    expect(() => store.remove('..')).toThrow('bad id ..');
    expect(existsSync(dir)).toBe(true);
  });

  it('lists the folders of its ids only, sorted, and sweeps the staging folders whose maker is dead', () => {
    const store = newStore();
    const self = processIdentity(process.pid);
    const live = `.creating-${process.pid}-${self?.startTime ?? 0}-a`;
    const dead = `.creating-${process.pid}-1-b`; // this pid, another start time: a process that is gone
    const deadRemoval = `.removing-${process.pid}-1-c`;
    mkdirSync(join(store.root, live));
    mkdirSync(join(store.root, dead));
    mkdirSync(join(store.root, deadRemoval));
    mkdirSync(join(store.root, 'NOT-AN-ID'));
    writeFileSync(join(store.root, 'file'), '');
    store.create('c2', {});
    store.create('c1', {});
    expect(store.ids()).toEqual(['c1', 'c2']);
    expect(existsSync(join(store.root, live))).toBe(true);
    expect(existsSync(join(store.root, dead))).toBe(false);
    expect(existsSync(join(store.root, deadRemoval))).toBe(false);
    expect(new StateStore(join(dir, 'missing'), LAYOUT).ids()).toEqual([]);
  });

  it('removes a container folder with all it holds, under the lock of that folder', async () => {
    const store = newStore();
    store.create('c1', {});
    writeFileSync(join(store.folder('c1'), 'exit'), '0');
    await store.withLock('c1', () => {
      expect(existsSync(join(store.folder('c1'), 'lock'))).toBe(true);
      store.remove('c1');
    });
    expect(readdirSync(store.root)).toEqual([]);
  });
});
