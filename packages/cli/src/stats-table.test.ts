import { describe, expect, it } from '@jest/globals';
import { formatBytes, formatStatsTable } from './stats-table.js';

describe('the stats table', () => {
  it('writes sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(32 * 2 ** 20), formatBytes(undefined)]).toEqual(['512B', '1.5KiB', '32.0MiB', '-']);
  });

  it('lines up one container a line, with a dash for what the cgroup cannot tell', () => {
    const table = formatStatsTable([
      { id: 'abc', cgroup: 'x', stats: { memory: { currentBytes: 2048, peakBytes: 4096, limitBytes: 2 ** 20, oomKills: 1 }, pids: { current: 2, limit: 20 }, cpu: { usageUsec: 1_500_000 } } },
      { id: 'def', cgroup: 'y', stats: { cpu: { usageUsec: 0 } } },
    ]);
    expect(table.split('\n')).toEqual([
      'ID   MEM USAGE / LIMIT  MEM PEAK  PIDS    CPU TIME  OOM KILLS',
      'abc  2.0KiB / 1.0MiB    4.0KiB    2 / 20  1.50s     1',
      'def  -                  -         -       0.00s     -',
      '',
    ]);
  });
});
