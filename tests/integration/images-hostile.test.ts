import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { collect, makeTempDir, removeDir, startRyouiki, testRootfs, type Outcome } from './harness.js';
import { makeOciLayout, tarEntries, tarOf, type TarEntry } from './images-harness.js';

const work = makeTempDir('hostile');
// What the attacks aim at: files and folders outside the store, which must stay as they are.
const outside = join(work, 'outside');
mkdirSync(join(outside, 'dir'), { recursive: true });
writeFileSync(join(outside, 'victim'), 'untouched\n');

afterAll(() => removeDir(work));

function ryouiki(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return collect(startRyouiki(args, env), '');
}

let count = 0;
function layout(entries: TarEntry[]): string {
  return makeOciLayout(join(work, `layout-${++count}`), 'latest', [{ layers: [tarEntries(entries)], compression: 'none' }]);
}

/**
 * The unconfined baseline: an extractor that joins the entry's name to the
 * destination, follows symlinks and links hard links by name, as a naive
 * unpacker does. The fixture must reach outside through it, or the test
 * would pass without attacking anything.
 */
function naiveExtract(entries: TarEntry[], dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const entry of entries) {
    const target = resolve(dest, entry.name);
    if (basename(entry.name).startsWith('.wh.')) {
      rmSync(resolve(dirname(target), basename(entry.name).slice(4)), { recursive: true, force: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    if (entry.type === '2') symlinkSync(entry.linkname ?? '', target);
    else if (entry.type === '1') linkSync(resolve(dest, entry.linkname ?? ''), target);
    else if (entry.type === '5') mkdirSync(target, { recursive: true });
    else writeFileSync(target, entry.data ?? '');
  }
}

/** Runs the baseline in a fresh folder: true when it reached outside it (wrote, linked or removed there). */
function baselineEscapes(entries: TarEntry[]): boolean {
  const dest = join(work, 'baseline', 'deep', 'a', 'b', 'c');
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'marker'), '');
  naiveExtract(entries, join(dest, 'layer'));
  const escaped = existsSync(join(outside, 'dir', 'pwned')) || !existsSync(join(outside, 'victim')) || statSync(join(outside, 'victim')).nlink > 1 || !existsSync(join(dest, 'marker'));
  removeDir(join(work, 'baseline'));
  rmSync(join(outside, 'dir', 'pwned'), { force: true });
  writeFileSync(join(outside, 'victim'), 'untouched\n');
  return escaped;
}

function expectStoreEmpty(store: string): void {
  for (const sub of ['layers', 'tmp']) expect(readdirSync(join(store, 'images', sub))).toEqual([]);
  expect(existsSync(join(store, 'images', 'images.json')) ? (JSON.parse(readFileSync(join(store, 'images', 'images.json'), 'utf8')) as { images: unknown[] }).images : []).toEqual([]);
}

function expectOutsideUntouched(): void {
  expect(readdirSync(outside).sort()).toEqual(['dir', 'victim']);
  expect(readdirSync(join(outside, 'dir'))).toEqual([]);
  expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('untouched\n');
  expect(statSync(join(outside, 'victim')).nlink).toBe(1);
}

const climbs = '../'.repeat(12);

const ATTACKS: [string, TarEntry[], RegExp][] = [
  ['a ../ path', [{ name: `${climbs}${outside.slice(1)}/dir/pwned`, data: 'x' }], /layer entry .*pwned: refused: it climbs out of the layer with \.\./],
  ['an absolute path', [{ name: `${outside}/dir/pwned`, data: 'x' }], /layer entry .*pwned: refused: an absolute path/],
  [
    'a file through an absolute symlink',
    [
      { name: 'link', type: '2', linkname: join(outside, 'dir') },
      { name: 'link/pwned', data: 'x' },
    ],
    /link\/pwned: refused: it leads out of the layer/,
  ],
  [
    'a file through a climbing symlink',
    [
      { name: 'link', type: '2', linkname: `${climbs}${outside.slice(1)}/dir` },
      { name: 'link/pwned', data: 'x' },
    ],
    /link\/pwned: refused: it leads out of the layer/,
  ],
  ['a hard link to an absolute path', [{ name: 'hard', type: '1', linkname: join(outside, 'victim') }], /layer entry .*victim: refused: an absolute path/],
  ['a hard link that climbs', [{ name: 'hard', type: '1', linkname: `${climbs}${outside.slice(1)}/victim` }], /refused: it climbs out of the layer with \.\./],
  [
    'a hard link through a symlink',
    [
      { name: 'link', type: '2', linkname: outside },
      { name: 'hard', type: '1', linkname: 'link/victim' },
    ],
    /hard: refused: it leads out of the layer/,
  ],
  ['a whiteout above the layer root', [{ name: `${climbs}${outside.slice(1)}/.wh.victim`, data: '' }], /refused: it climbs out of the layer with \.\./],
  ['a whiteout of the parent', [{ name: '.wh...', data: '' }], /refused: a whiteout of no name/],
];

describe('hostile layers', () => {
  it.each(ATTACKS)('refuses %s, keeping nothing and touching nothing outside', async (_name, entries, message) => {
    // the unconfined extractor reaches outside: the fixture attacks for real
    expect(baselineEscapes(entries)).toBe(true);
    expectOutsideUntouched();
    const store = makeTempDir('store');
    const out = await ryouiki(['load', '-q', '-i', layout(entries), '--root', store]);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(message);
    expect(out.stderr.split('\n')).toHaveLength(2);
    expectStoreEmpty(store);
    expectOutsideUntouched();
    removeDir(store);
  });

  it('contains a bomb of many small files: refused past the entry limit, nothing kept', async () => {
    const entries: TarEntry[] = Array.from({ length: 3000 }, (_, index) => ({ name: `bomb/f${index}`, data: '' }));
    const store = makeTempDir('store');
    const out = await ryouiki(['load', '-q', '-i', layout(entries), '--root', store], { RYOUIKI_LAYER_MAX_ENTRIES: '1000' });
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/refused: the layer has more than 1000 entries/);
    expectStoreEmpty(store);
    removeDir(store);
  });

  it('keeps whiteouts, opaque folders, setuid bits, hard links, fifos and owners mapped into the subordinate range; leaves devices out', async () => {
    const subuid = Number(
      readFileSync('/etc/subuid', 'utf8')
        .split('\n')
        .find((line) => line.startsWith(`${userInfo().username}:`))!
        .split(':')[1],
    );
    const middle = tarEntries([
      { name: 'etc', type: '5' },
      { name: 'etc/gone', data: 'x' },
      { name: 'tmp', type: '5', mode: 0o1777 },
      { name: 'tmp/lower-file', data: 'lower' },
    ]);
    const upper = tarEntries([
      { name: 'etc', type: '5' },
      { name: 'etc/.wh.gone', data: '' },
      { name: 'tmp', type: '5', mode: 0o1777 },
      { name: 'tmp/.wh..wh..opq', data: '' },
      { name: 'tmp/new', data: 'new\n' },
      { name: 'owned', data: 'mine\n', uid: 1000, gid: 1000 },
      { name: 'suid', data: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'hard', type: '1', linkname: 'owned' },
      { name: 'fifo', type: '6' },
      { name: 'dev', type: '5' },
      { name: 'dev/evil', type: '3' },
    ]);
    const dir = makeOciLayout(join(work, 'features'), 'latest', [{ layers: [tarOf(testRootfs()), middle, upper], compression: 'gzip' }]);
    const store = makeTempDir('store');
    const loaded = await ryouiki(['load', '-q', '-i', dir, '--root', store]);
    expect(loaded.exitCode).toBe(0);
    expect(loaded.stderr).toMatch(/left out 1 device nodes/);
    const id = loaded.stdout.trim().split(' ').pop()!;
    const layers = readdirSync(join(store, 'images', 'layers')).map((name) => join(store, 'images', 'layers', name));
    const top = layers.find((layer) => existsSync(join(layer, 'owned')))!;
    expect(lstatSync(join(top, 'owned')).uid).toBe(subuid + 999);
    expect(lstatSync(join(top, 'suid')).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(top, 'hard')).ino).toBe(lstatSync(join(top, 'owned')).ino);
    expect(lstatSync(join(top, 'fifo')).isFIFO()).toBe(true);
    expect(existsSync(join(top, 'dev', 'evil'))).toBe(false);
    const seen = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', id, '--', '/bin/sh', '-c', 'stat -c "%u %a" /owned /suid; cat /hard; ls /tmp; test -e /etc/gone; echo $?']);
    // /etc/gone is hidden by its whiteout, the lower /tmp/lower-file by the opaque folder
    expect(seen).toMatchObject({ exitCode: 0, stdout: '1000 644\n0 4755\nmine\nnew\n1\n' });
    expect((await ryouiki(['image', 'prune', '--all', '--root', store])).exitCode).toBe(0);
    expect(readdirSync(join(store, 'images', 'layers'))).toEqual([]);
    removeDir(store);
  });

  it('records the owners in user.rootlesscontainers, as umoci does, when there are no subordinate ids to map them to', async () => {
    // without newuidmap on the PATH the user has only their own id, as a user without a range has
    const path = join(work, 'no-newuidmap');
    mkdirSync(path);
    symlinkSync(process.execPath, join(path, 'node'));
    const upper = tarEntries([
      { name: 'owned', data: 'mine\n', uid: 1000, gid: 1001 },
      { name: 'rooted', data: 'root\n' },
    ]);
    const store = makeTempDir('store');
    const loaded = await ryouiki(['load', '-q', '-i', makeOciLayout(join(work, 'rootless'), 'latest', [{ layers: [upper], compression: 'gzip' }]), '--root', store], { PATH: path });
    expect(loaded).toMatchObject({ exitCode: 0, stderr: '' });
    const [layer] = readdirSync(join(store, 'images', 'layers')).map((name) => join(store, 'images', 'layers', name));
    expect(lstatSync(join(layer!, 'owned')).uid).toBe(process.getuid!());
    // GNU tar writes a file's user.* attributes into its archive; the value is the protobuf umoci reads: uid 1000 (08 e8 07), gid 1001 (10 e9 07)
    const xattrs = (name: string): Buffer => execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=user.*', '-C', layer!, '-cf', '-', name]);
    expect(xattrs('owned').includes(Buffer.concat([Buffer.from('user.rootlesscontainers='), Buffer.from([0x08, 0xe8, 0x07, 0x10, 0xe9, 0x07])]))).toBe(true);
    expect(xattrs('rooted').includes('user.rootlesscontainers')).toBe(false);
    expect((await ryouiki(['image', 'prune', '--all', '--root', store], { PATH: path })).exitCode).toBe(0);
    removeDir(store);
  });
});
