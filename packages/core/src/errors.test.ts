import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { readState } from './store/container-state.js';
import { asRuntimeError, RyouikiError } from './errors.js';

const work = mkdtempSync(join(tmpdir(), 'ryouiki-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('asRuntimeError', () => {
  it('turns a file the store cannot write into one line naming it and what to do', () => {
    const system = Object.assign(new Error("EFBIG: file too large, write '/s/run/x/state.json.1.tmp'"), { code: 'EFBIG', syscall: 'write', path: '/s/run/x/state.json.1.tmp' });
    const error = asRuntimeError(system) as RyouikiError;
    expect(error).toBeInstanceOf(RyouikiError);
    expect(error).toMatchObject({ code: 'STORE_WRITE_FAILED', exitCode: 125 });
    expect(error.message).toBe('cannot write /s/run/x/state.json.1.tmp: the file size limit is too small for it (ulimit -f): raise it, e.g. ulimit -f unlimited');
  });

  it('leaves any other error as it is', () => {
    const other = new Error('a bug');
    expect(asRuntimeError(other)).toBe(other);
    const ours = new RyouikiError('USAGE', 'bad flag');
    expect(asRuntimeError(ours)).toBe(ours);
  });
});

describe('readState', () => {
  it('says a truncated state.json is damaged, and how to remove it', () => {
    const id = 'a'.repeat(64);
    mkdirSync(join(work, 'run', id), { recursive: true });
    writeFileSync(join(work, 'run', id, 'state.json'), '{"id": "');
    expect(() => readState({ runtime: join(work, 'run'), data: work }, id)).toThrow(
      /^the state of container aaaaaaaaaaaa is damaged \(state.json is not JSON: .*\): remove it with ryouiki rm -f aaaaaaaaaaaa$/,
    );
    expect(readState({ runtime: join(work, 'run'), data: work }, 'b'.repeat(64))).toBeUndefined();
  });
});
