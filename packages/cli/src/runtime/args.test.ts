import { describe, expect, it } from '@jest/globals';
import { booleanFlag, listFlag, parseArgs, stringFlag, UsageError } from './args.js';

const SPECS = { bundle: { value: true, short: 'b' }, detach: { short: 'd' }, env: { value: true, many: true, short: 'e' } };

describe('parseArgs', () => {
  it("takes --flag value, --flag=value and runc's single dash", () => {
    for (const args of [
      ['--bundle', '/b', 'id'],
      ['--bundle=/b', 'id'],
      ['-bundle', '/b', 'id'],
      ['-b', '/b', 'id'],
      ['id', '--bundle', '/b'],
    ]) {
      const parsed = parseArgs(args, SPECS);
      expect(stringFlag(parsed, 'bundle')).toBe('/b');
      expect(parsed.positionals).toEqual(['id']);
    }
  });

  it('reads booleans bare or as =true/=false, and keeps every value of a repeatable flag', () => {
    expect(booleanFlag(parseArgs(['--detach'], SPECS), 'detach')).toBe(true);
    expect(booleanFlag(parseArgs(['--detach=false'], SPECS), 'detach')).toBe(false);
    expect(listFlag(parseArgs(['-e', 'A=1', '--env=B=2'], SPECS), 'env')).toEqual(['A=1', 'B=2']);
    expect(() => parseArgs(['--detach=maybe'], SPECS)).toThrow(new UsageError('--detach takes true or false, not "maybe"'));
  });

  it('stops at the given number of positionals, so a program keeps its own flags', () => {
    const parsed = parseArgs(['-d', 'id', 'ls', '-l', '--bundle', 'x'], SPECS, 1);
    expect(booleanFlag(parsed, 'detach')).toBe(true);
    expect(parsed.positionals).toEqual(['id', 'ls', '-l', '--bundle', 'x']);
    expect(parseArgs(['id', '--', '--bundle'], SPECS).positionals).toEqual(['id', '--bundle']);
  });

  it('refuses unknown flags and a value flag without its value', () => {
    expect(() => parseArgs(['--nope'], SPECS)).toThrow(new UsageError('unknown flag --nope'));
    expect(() => parseArgs(['-x'], SPECS)).toThrow(new UsageError('unknown flag -x'));
    expect(() => parseArgs(['--bundle'], SPECS)).toThrow(new UsageError('--bundle needs a value'));
  });
});
