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
    expect(assembler.push({ time: '1', stream: 'stdout', partial: true, content: 'ab' })).toBeUndefined();
    expect(assembler.push({ time: '2', stream: 'stderr', partial: false, content: 'e' })).toEqual({ time: '2', stream: 'stderr', text: 'e', newline: true });
    expect(assembler.push({ time: '3', stream: 'stdout', partial: false, content: 'c' })).toEqual({ time: '1', stream: 'stdout', text: 'abc', newline: true });
    assembler.push({ time: '4', stream: 'stdout', partial: true, content: 'tail' });
    expect(assembler.flush()).toEqual([{ time: '4', stream: 'stdout', text: 'tail', newline: false }]);
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
