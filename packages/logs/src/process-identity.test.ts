import { describe, expect, it } from '@jest/globals';
import { currentBootId, isAlive, processIdentity, startTimeFromStat } from './process-identity.js';

describe('process identity', () => {
  it('reads the start time past a command name holding spaces and parentheses', () => {
    const fields = Array.from({ length: 20 }, (_, i) => String(i + 3)).join(' ');
    expect(startTimeFromStat(`42 (a) b (c)) ${fields}`)).toBe('22');
  });

  it('knows this process alive, and not a reused PID or a PID from another boot', () => {
    const self = processIdentity(process.pid);
    expect(self).toBeDefined();
    expect(isAlive(self)).toBe(true);
    expect(isAlive({ ...self!, startTime: '1' })).toBe(false);
    expect(isAlive({ ...self!, bootId: `${currentBootId()}-before-reboot` })).toBe(false);
    expect(isAlive(undefined)).toBe(false);
  });
});
