import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendProcessLog,
  completeAbandonedRuns,
  formatProcessLogLine,
  listProcessLogPids,
  millisecondTime,
  parseProcessLogLine,
  processLogPath,
  processRuns,
  readProcessLog,
  runAbandoned,
  runOf,
  splitCsvLine,
} from './binding-vow.js';
import { processIdentity } from './process-identity.js';

/** A PID no process has: beyond the kernel's largest. */
const FREE_PID = 4194304 + 1;

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

  it("end, on the line of the end, with the container's cgroup state", () => {
    const entry = { command: 'dd', pid: 7, status: 'failed' as const, exitCode: 137, time: 'T', cgroup: 'oom-killed' as const };
    const line = formatProcessLogLine(entry);
    expect(line).toBe('dd,7,failed,137,T,oom-killed');
    expect(parseProcessLogLine(line)).toEqual(entry);
    expect(parseProcessLogLine('dd,7,done,0,T,whatever')).toEqual({ command: 'dd', pid: 7, status: 'done', exitCode: 0, time: 'T' });
  });

  it('have one time precision, milliseconds, whatever precision they were given', () => {
    expect(millisecondTime('2026-01-02T03:04:05.123456789Z')).toBe('2026-01-02T03:04:05.123Z');
    expect(millisecondTime('2026-01-02T03:04:05.1Z')).toBe('2026-01-02T03:04:05.100Z');
    expect(millisecondTime('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000Z');
    expect(millisecondTime('T')).toBe('T');
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
    appendProcessLog(dataDir, { command: 'a', pid: FREE_PID, status: 'started', time: 'T1' });
    appendProcessLog(dataDir, { command: 'a', pid: FREE_PID, status: 'done', exitCode: 0, time: 'T2' });
    appendProcessLog(dataDir, { command: 'b', pid: 20, status: 'started', time: 'T3' });
    expect(processLogPath(dataDir, FREE_PID)).toBe(join(dataDir, 'binding_vow', `${FREE_PID}.ryouiki`));
    // No process has that PID: there is no run to name.
    expect(readProcessLog(dataDir, FREE_PID)).toEqual([`a,${FREE_PID},started,,T1`, `a,${FREE_PID},done,0,T2`]);
    expect(listProcessLogPids(dataDir)).toEqual([20, FREE_PID]);
  });

  it("name the run by its init's start time, the owner on the start, and the same run on the end", () => {
    const init = processIdentity(process.pid)!;
    appendProcessLog(dataDir, { command: 'a', pid: init.pid, status: 'started', time: '2026-01-02T03:04:05.123456789Z' });
    appendProcessLog(dataDir, { command: 'a', pid: init.pid, status: 'done', exitCode: 0, time: '2026-01-02T03:04:06Z' });
    const run = runOf(init);
    expect(readProcessLog(dataDir, init.pid)).toEqual([
      `a,${init.pid},started,,2026-01-02T03:04:05.123Z,,${run},${init.pid}.${init.startTime}`,
      `a,${init.pid},done,0,2026-01-02T03:04:06.000Z,,${run}`,
    ]);
  });

  it('record a run nobody is left to end as killed, before the next run of its PID, and not one whose owner lives', () => {
    const self = processIdentity(process.pid)!;
    const deadRun = `1.${self.bootId.slice(0, 8)}`;
    const lines = [
      `lost,${self.pid},started,,2026-01-01T00:00:00.000Z,,${deadRun},${FREE_PID}.1`,
      `waiting,${self.pid},started,,2026-01-01T00:00:01.000Z,,2.${self.bootId.slice(0, 8)},${self.pid}.${self.startTime}`,
    ];
    mkdirSync(join(dataDir, 'binding_vow'));
    writeFileSync(processLogPath(dataDir, self.pid), `${lines.join('\n')}\n`);
    appendProcessLog(dataDir, { command: 'next', pid: self.pid, status: 'started', time: 'T' });
    const entries = readProcessLog(dataDir, self.pid)!.map(parseProcessLogLine);
    expect(entries.map((entry) => [entry?.command, entry?.status, entry?.run])).toEqual([
      ['lost', 'started', deadRun],
      ['waiting', 'started', `2.${self.bootId.slice(0, 8)}`],
      ['lost', 'killed', deadRun],
      ['next', 'started', runOf(self)],
    ]);
    const runs = processRuns(entries.filter((entry) => entry !== undefined));
    expect(runs.map((run) => [run.started?.command, run.ended?.status])).toEqual([
      ['lost', 'killed'],
      ['waiting', undefined],
      ['next', undefined],
    ]);
    expect(runs.map(runAbandoned)).toEqual([false, false, false]);
    expect(completeAbandonedRuns(dataDir, self.pid)).toEqual([]);
  });

  it('pair lines without a run in order, and end an old lone start once its PID is free', () => {
    const old = ['x,7,started,,T1', 'x,7,done,0,T2', 'y,7,started,,T3'].map((line) => parseProcessLogLine(line)!);
    expect(processRuns(old).map((run) => [run.started?.command, run.ended?.status])).toEqual([
      ['x', 'done'],
      ['y', undefined],
    ]);
    mkdirSync(join(dataDir, 'binding_vow'));
    writeFileSync(processLogPath(dataDir, FREE_PID), `y,${FREE_PID},started,,2026-01-01T00:00:00.000000001Z\n`);
    expect(completeAbandonedRuns(dataDir, FREE_PID).map((entry) => entry.status)).toEqual(['killed']);
    expect(readProcessLog(dataDir, FREE_PID)?.[1]).toMatch(new RegExp(`^y,${FREE_PID},killed,,\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`));
  });

  it('report a PID without a log as undefined and an empty store as no PIDs', () => {
    expect(readProcessLog(dataDir, 1234)).toBeUndefined();
    expect(listProcessLogPids(dataDir)).toEqual([]);
  });
});
