import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendProcessLog,
  formatProcessLogLine,
  listProcessLogPids,
  parseProcessLogLine,
  processLogPath,
  readProcessLog,
  splitCsvLine,
} from './binding-vow.js';

describe('process log lines', () => {
  it('start with the seed columns command,pid,status', () => {
    const line = formatProcessLogLine({ command: 'id', pid: 42, status: 'started', time: 'T' });
    expect(line).toBe('id,42,started,,T');
    expect(line.split(',').slice(0, 3)).toEqual(['id', '42', 'started']);
  });

  it('quote a command that holds commas or quotes, and parse it back', () => {
    const entry = { command: 'echo "a,b"', pid: 7, status: 'done' as const, exitCode: 3, time: 'T' };
    const line = formatProcessLogLine(entry);
    expect(line).toBe('"echo ""a,b""",7,done,3,T');
    expect(parseProcessLogLine(line)).toEqual(entry);
  });

  it('reject lines that are not process log lines', () => {
    expect(parseProcessLogLine('garbage')).toBeUndefined();
    expect(parseProcessLogLine('cmd,notapid,done')).toBeUndefined();
    expect(parseProcessLogLine('cmd,12,exploded')).toBeUndefined();
  });

  it('end, on the line of the end, with the container\'s cgroup state', () => {
    const entry = { command: 'dd', pid: 7, status: 'failed' as const, exitCode: 137, time: 'T', cgroup: 'oom-killed' as const };
    const line = formatProcessLogLine(entry);
    expect(line).toBe('dd,7,failed,137,T,oom-killed');
    expect(parseProcessLogLine(line)).toEqual(entry);
    expect(parseProcessLogLine('dd,7,done,0,T,whatever')).toEqual({ command: 'dd', pid: 7, status: 'done', exitCode: 0, time: 'T' });
  });

  it('split empty trailing fields', () => {
    expect(splitCsvLine('a,,')).toEqual(['a', '', '']);
  });
});

describe('process log files', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ryouiki-logs-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('append to binding_vow/<PID>.ryouiki and list PIDs in order', () => {
    appendProcessLog(dataDir, { command: 'a', pid: 300, status: 'started', time: 'T1' });
    appendProcessLog(dataDir, { command: 'a', pid: 300, status: 'done', exitCode: 0, time: 'T2' });
    appendProcessLog(dataDir, { command: 'b', pid: 20, status: 'started', time: 'T3' });
    expect(processLogPath(dataDir, 300)).toBe(join(dataDir, 'binding_vow', '300.ryouiki'));
    expect(readProcessLog(dataDir, 300)).toEqual(['a,300,started,,T1', 'a,300,done,0,T2']);
    expect(listProcessLogPids(dataDir)).toEqual([20, 300]);
  });

  it('report a PID without a log as undefined and an empty store as no PIDs', () => {
    expect(readProcessLog(dataDir, 1234)).toBeUndefined();
    expect(listProcessLogPids(dataDir)).toEqual([]);
  });
});
