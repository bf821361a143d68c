import { describe, expect, it } from '@jest/globals';
import { translateProcess } from './process.js';
import { OciReader } from './reader.js';

const whole = { args: ['sh'], env: ['PATH=/bin'], cwd: '/', user: { uid: 1, gid: 2 }, terminal: true };

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('it did not fail');
}

describe('translateProcess', () => {
  it("reads a bundle's process whole: cwd and user are required", () => {
    expect(translateProcess(whole, new OciReader())).toMatchObject({ args: ['sh'], env: ['PATH=/bin'], cwd: '/', user: { uid: 1, gid: 2 }, terminal: true });
    const { cwd: _cwd, ...noCwd } = whole;
    expect(failure(() => translateProcess(noCwd, new OciReader())).message).toBe('config.json: process.cwd must be a string, got undefined');
    const { user: _user, ...noUser } = whole;
    expect(failure(() => translateProcess(noUser, new OciReader())).message).toBe('config.json: process.user must be an object, got undefined');
  });

  it("reads exec's process with partial: env, cwd and user may be left out (absent, null or empty), the rest as a bundle's", () => {
    const process = translateProcess({ args: ['ls', '-l'], cwd: '', user: null }, new OciReader('--process p.json'), { partial: true });
    expect(process).toEqual({
      args: ['ls', '-l'],
      terminal: false,
      capabilities: { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] },
      exactCapabilities: true,
      noNewPrivileges: false,
    });
    expect(translateProcess(whole, new OciReader(), { partial: true })).toMatchObject({ env: ['PATH=/bin'], cwd: '/', user: { uid: 1, gid: 2 } });
  });

  it('checks what a partial process gives as strictly as a bundle, naming the file', () => {
    const reader = new OciReader('--process p.json');
    expect(failure(() => translateProcess({ args: [] }, reader, { partial: true })).message).toBe('--process p.json: process.args must name the program to run');
    expect(failure(() => translateProcess({ args: ['ls'], cwd: 'tmp' }, reader, { partial: true })).message).toBe('--process p.json: process.cwd must be an absolute path, got "tmp"');
    expect(failure(() => translateProcess({ args: ['ls'], env: ['A=1', 2] }, reader, { partial: true })).message).toBe('--process p.json: process.env[1] must be a string, got 2');
    expect(failure(() => translateProcess({ args: ['ls'], user: { uid: 1 } }, reader, { partial: true })).message).toBe('--process p.json: process.user.gid must be a whole number, got undefined');
  });
});
