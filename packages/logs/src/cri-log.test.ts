import { mkdtempSync, rmSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { filterLogLines, LineAssembler, LogFollower, parseLogRecord, readLogLines } from './cri-log.js';

const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseLogRecord', () => {
  it('reads time, stream, tag and content, spaces and all', () => {
    expect(parseLogRecord('2026-01-02T03:04:05.000000001Z stderr P a  b ')).toEqual({ time: '2026-01-02T03:04:05.000000001Z', stream: 'stderr', partial: true, content: 'a  b ' });
    expect(parseLogRecord('2026-01-02T03:04:05.000000001Z stdout F ')).toMatchObject({ content: '', partial: false });
  });

  it('refuses what is not a record', () => {
    expect(parseLogRecord('garbage')).toBeUndefined();
    expect(parseLogRecord('T stdin F x')).toBeUndefined();
  });
});

describe('LineAssembler', () => {
  it('joins partial records per stream, at the time of the first piece', () => {
    const assembler = new LineAssembler();
    expect(assembler.push({ time: '1', stream: 'stdout', partial: true, content: 'ab' })).toEqual([]);
    expect(assembler.push({ time: '2', stream: 'stderr', partial: false, content: 'e' })).toEqual([{ time: '2', stream: 'stderr', text: 'e', newline: true }]);
    expect(assembler.push({ time: '3', stream: 'stdout', partial: false, content: 'c' })).toEqual([{ time: '1', stream: 'stdout', text: 'abc', newline: true }]);
    assembler.push({ time: '4', stream: 'stdout', partial: true, content: 'tail' });
    expect(assembler.flush()).toEqual([{ time: '4', stream: 'stdout', text: 'tail', newline: false }]);
  });
});

describe('gaps', () => {
  const gapRecord = '2026-01-02T03:04:06.000000000Z stderr F:gap lost 1234 bytes from 2026-01-02T03:04:05.000000001Z: No space left on device';

  it("reads the supervisor's gap record, and CRI tags it does not know as a plain record", () => {
    expect(parseLogRecord(gapRecord)).toEqual({
      time: '2026-01-02T03:04:06.000000000Z',
      stream: 'stderr',
      partial: false,
      content: 'lost 1234 bytes from 2026-01-02T03:04:05.000000001Z: No space left on device',
      gap: { lostBytes: 1234, since: '2026-01-02T03:04:05.000000001Z', reason: 'No space left on device' },
    });
    expect(parseLogRecord('T stdout P:x5 ab')).toEqual({ time: 'T', stream: 'stdout', partial: true, content: 'ab' });
  });

  it('ends the lines a gap cuts short, then gives the gap as a line of its own', () => {
    const assembler = new LineAssembler();
    assembler.push({ time: '1', stream: 'stdout', partial: true, content: 'ab' });
    const gap = parseLogRecord(gapRecord)!;
    expect(assembler.push(gap)).toEqual([
      { time: '1', stream: 'stdout', text: 'ab', newline: false },
      { time: gap.time, stream: 'stderr', text: gap.content, newline: true, gap: gap.gap },
    ]);
    expect(assembler.push({ time: '3', stream: 'stdout', partial: false, content: 'c' })).toEqual([{ time: '3', stream: 'stdout', text: 'c', newline: true }]);
  });
});

describe('readLogLines and filterLogLines', () => {
  it('reads the previous file first, then the current one, and keeps the last N since a time', () => {
    const path = join(dir, 'a.log');
    writeFileSync(`${path}.1`, '2026-01-01T00:00:01Z stdout F one\n2026-01-01T00:00:02Z stdout P tw\n');
    writeFileSync(path, '2026-01-01T00:00:03Z stdout F o\n2026-01-01T00:00:04Z stdout F three\n');
    const lines = readLogLines(path);
    expect(lines.map((line) => line.text)).toEqual(['one', 'two', 'three']);
    expect(filterLogLines(lines, { tail: 2 }).map((line) => line.text)).toEqual(['two', 'three']);
    expect(filterLogLines(lines, { since: new Date('2026-01-01T00:00:02Z') }).map((line) => line.text)).toEqual(['two', 'three']);
    expect(filterLogLines(lines, { tail: 0 })).toEqual([]);
  });
});

describe('LogFollower', () => {
  it('returns appended records, holds back a half-written one, and follows rotation', () => {
    const path = join(dir, 'b.log');
    writeFileSync(path, 'T stdout F a\n');
    const follower = new LogFollower(path, 0);
    expect(follower.poll().map((record) => record.content)).toEqual(['a']);
    appendFileSync(path, 'T stdout F b\nT stdout F c');
    expect(follower.poll().map((record) => record.content)).toEqual(['b']);
    appendFileSync(path, 'd\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'T stdout F e\n');
    expect(follower.poll().map((record) => record.content)).toEqual(['cd', 'e']);
    expect(follower.poll()).toEqual([]);
    follower.close();
  });
});
