import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.js';

describe('parseDetachKeys', () => {
  it("reads podman's spelling of control keys and plain characters", () => {
    expect(parseDetachKeys(DEFAULT_DETACH_KEYS)).toEqual([16, 17]);
    expect(parseDetachKeys('ctrl-a,d')).toEqual([1, 100]);
    expect(parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')).toEqual([0, 27, 28, 29, 30, 31]);
  });

  it('turns detaching off with an empty sequence', () => {
    expect(parseDetachKeys('')).toEqual([]);
  });

  it('refuses what is not a key, with a line that says how to spell one', () => {
    expect(() => parseDetachKeys('ctrl-1')).toThrow('"ctrl-1" is not a key');
    expect(() => parseDetachKeys('ctrl-p,,ctrl-q')).toThrow('"" is not a key');
    expect(() => parseDetachKeys('ab')).toThrow('"ab" is not a key');
    expect(() => parseDetachKeys(Array(17).fill('x').join(','))).toThrow('at most 16 keys');
  });
});
