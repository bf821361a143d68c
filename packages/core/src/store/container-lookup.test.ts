import { describe, expect, it } from '@jest/globals';
import { resolveContainerId } from './container-lookup.js';

const a = `abcd1${'0'.repeat(59)}`;
const b = `abcd2${'0'.repeat(59)}`;
const c = `ffff0${'0'.repeat(59)}`;
const names = new Map([
  ['web', c],
  ['abcd', b],
]);
const resolve = (query: string): string => resolveContainerId(query, [a, b, c], (name) => names.get(name));

describe('resolveContainerId', () => {
  it('takes a whole id, a name, or a unique prefix of 4 or more digits', () => {
    expect(resolve(a)).toBe(a);
    expect(resolve('web')).toBe(c);
    expect(resolve('abcd1')).toBe(a);
    expect(resolve('ffff')).toBe(c);
  });

  it('prefers a name to an id prefix, as podman does', () => {
    expect(resolve('abcd')).toBe(b);
  });

  it('refuses an ambiguous prefix, naming the candidates', () => {
    expect(() => resolveContainerId('abcd', [a, b], () => undefined)).toThrow('abcd matches 2 containers (abcd10000000, abcd20000000): give more of the id');
  });

  it('refuses a short prefix and an unknown query with one clear line', () => {
    expect(() => resolve('abc')).toThrow('no container abc (an id prefix needs at least 4 digits): list them with ryouiki ps -a');
    expect(() => resolve('nothing')).toThrow('no container nothing: list them with ryouiki ps -a');
  });
});
