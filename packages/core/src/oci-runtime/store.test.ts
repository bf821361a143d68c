import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { processIdentity } from '../store/proc-identity.js';
import { createRecordFolder, listIds, removeContainerFolder, type OciRecord } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'oci-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function newRoot(): string {
  const root = join(dir, `root-${count++}`);
  mkdirSync(root, { mode: 0o700 });
  return root;
}

function record(id: string): OciRecord {
  return { id, ociVersion: '1.0.2', bundle: '/b', annotations: {}, spec: {} as OciRecord['spec'], hooks: {} as OciRecord['hooks'], created: '', resources: [] };
}

describe('the OCI store', () => {
  it('makes a container folder only with its state.json in it, and refuses an id already taken', () => {
    const root = newRoot();
    createRecordFolder(root, record('c1'));
    expect(readdirSync(root)).toEqual(['c1']);
    expect(JSON.parse(readFileSync(join(root, 'c1', 'state.json'), 'utf8'))).toMatchObject({ id: 'c1' });
    expect(() => createRecordFolder(root, record('c1'))).toThrow('container c1 already exists');
    expect(readdirSync(root)).toEqual(['c1']);
  });

  it('lists no staging folder, and sweeps those whose maker is dead', () => {
    const root = newRoot();
    const self = processIdentity(process.pid);
    // this pid with another start time: a process that is gone
    const live = [`.creating-${process.pid}-${self?.startTime ?? 0}-a`, `.removing-${process.pid}-${self?.startTime ?? 0}-b`];
    const dead = [`.creating-${process.pid}-1-c`, `.removing-${process.pid}-1-d`];
    for (const name of [...live, ...dead]) mkdirSync(join(root, name));
    createRecordFolder(root, record('c2'));
    expect(listIds(root)).toEqual(['c2']);
    expect(readdirSync(root).sort()).toEqual(['c2', ...live].sort());
  });

  it('removes a container folder whole, and a missing one quietly', () => {
    const root = newRoot();
    createRecordFolder(root, record('c3'));
    mkdirSync(join(root, 'c3', 'more'));
    removeContainerFolder(root, 'c3');
    removeContainerFolder(root, 'c3');
    expect(readdirSync(root)).toEqual([]);
  });
});
