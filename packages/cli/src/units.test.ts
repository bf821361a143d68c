import { describe, expect, it } from '@jest/globals';
import { parseSeconds, parseSince, parseSize } from './units.js';

describe('parseSize', () => {
  it('reads bytes and binary units', () => {
    expect(parseSize('1048576', '--x')).toBe(1048576);
    expect(parseSize('512k', '--x')).toBe(512 * 1024);
    expect(parseSize('10m', '--x')).toBe(10 * 1024 * 1024);
    expect(parseSize('10MiB', '--x')).toBe(10 * 1024 * 1024);
    expect(parseSize('1g', '--x')).toBe(1024 ** 3);
    // The same parser as --memory's: fractions too.
    expect(parseSize('1.5g', '--x')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('0', '--x')).toBe(0);
  });

  it('refuses what is not a size, naming the flag', () => {
    expect(() => parseSize('ten', '--log-max-size')).toThrow('--log-max-size takes a size');
    expect(() => parseSize('-1', '--log-max-size')).toThrow('--log-max-size takes a size');
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it('reads durations back from now', () => {
    expect(parseSince('30s', now).toISOString()).toBe('2026-01-02T03:03:35.000Z');
    expect(parseSince('2h', now).toISOString()).toBe('2026-01-02T01:04:05.000Z');
  });

  it('reads RFC 3339 times', () => {
    expect(parseSince('2026-01-02T00:00:00Z', now).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses anything else', () => {
    expect(() => parseSince('yesterday', now)).toThrow('--since takes a time');
  });
});

describe('parseSeconds', () => {
  it('takes non-negative numbers only', () => {
    expect(parseSeconds('0', '-t')).toBe(0);
    expect(parseSeconds('2.5', '-t')).toBe(2.5);
    expect(() => parseSeconds('-1', '-t')).toThrow('-t takes a number of seconds');
  });
});
