import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentBootId, isAlive, processIdentity, type ProcessIdentity } from './process-identity.js';

/**
 * The seed's process log: one file per container, `binding_vow/<PID>.ryouiki`,
 * named after the container's host PID. Each line starts with the seed's three
 * columns `command,pid,status`, then the exit code (empty while running), an
 * ISO timestamp in milliseconds and, on the line of the end, the container's
 * cgroup state. Then the run: a PID is reused, so every line names the run it
 * belongs to by its init's start time (`<start time>.<boot id prefix>`), and
 * the line of the start names its owner, the process that records the end
 * (`<pid>.<start time>`). A run whose owner and init are both gone without an
 * end was killed: the next run of that PID, or inspect, records it `killed`,
 * with no exit code. Lines without a run (older ones) pair up in order.
 */
export type ProcessStatus = 'started' | 'done' | 'failed' | 'killed';

/** Whether the container ran in a cgroup of its own, and whether the kernel's OOM killer struck in it. */
export type ProcessCgroupState = 'no-cgroup' | 'cgroup' | 'oom-killed';

export interface ProcessLogEntry {
  command: string;
  pid: number;
  status: ProcessStatus;
  exitCode?: number;
  time: string;
  cgroup?: ProcessCgroupState;
  /** Which run of this PID the line belongs to; filled in by appendProcessLog. */
  run?: string;
  /** On the line of the start: who records the end (`<pid>.<start time>`); filled in by appendProcessLog. */
  owner?: string;
}

export const BINDING_VOW_DIR = 'binding_vow';
const LOG_SUFFIX = '.ryouiki';

export function bindingVowDir(dataDir: string): string {
  return join(dataDir, BINDING_VOW_DIR);
}

export function processLogPath(dataDir: string, pid: number): string {
  return join(bindingVowDir(dataDir), `${pid}${LOG_SUFFIX}`);
}

function quoteField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Splits one CSV line, honouring double-quoted fields with doubled quotes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  fields.push(current);
  return fields;
}

export function formatProcessLogLine(entry: ProcessLogEntry): string {
  const exitCode = entry.exitCode === undefined ? '' : String(entry.exitCode);
  const fields = [quoteField(entry.command), String(entry.pid), entry.status, exitCode, entry.time];
  if (entry.cgroup !== undefined || entry.run !== undefined) fields.push(entry.cgroup ?? '');
  if (entry.run !== undefined) fields.push(entry.run, ...(entry.owner === undefined ? [] : [entry.owner]));
  return fields.join(',');
}

/**
 * One precision for every time of the process log and the state: ISO 8601 UTC
 * with milliseconds, as JavaScript's Date writes it. The supervisor writes
 * nanoseconds; older lines may hold them too: they read the same.
 */
export function millisecondTime(time: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (match === null) return time;
  return `${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** The run of a container whose init is this process: its start time, and the boot it belongs to. */
export function runOf(identity: ProcessIdentity): string {
  return `${identity.startTime}.${identity.bootId.slice(0, 8)}`;
}

function ownerOf(identity: ProcessIdentity): string {
  return `${identity.pid}.${identity.startTime}`;
}

/** Whether the process a run or owner token names lives (this boot, that PID, that start time). */
function tokenAlive(pid: number, token: string): boolean {
  const [startTime, boot] = token.split('.');
  if (startTime === undefined) return false;
  if (boot !== undefined && boot !== currentBootId().slice(0, 8)) return false;
  return isAlive({ pid, startTime, bootId: currentBootId() });
}

function ownerAlive(owner: string, run: string): boolean {
  const [pid, startTime] = owner.split('.');
  return tokenAlive(Number(pid), `${startTime}.${run.split('.')[1] ?? ''}`);
}

function isCgroupState(value: string | undefined): value is ProcessCgroupState {
  return value === 'no-cgroup' || value === 'cgroup' || value === 'oom-killed';
}

function isProcessStatus(value: string | undefined): value is ProcessStatus {
  return value === 'started' || value === 'done' || value === 'failed' || value === 'killed';
}

/** Returns undefined for a line that is not one of ours, so one bad line cannot hide the rest. */
export function parseProcessLogLine(line: string): ProcessLogEntry | undefined {
  const [command, pidText, status, exitCodeText, time, cgroup, run, owner] = splitCsvLine(line);
  const pid = Number(pidText);
  if (command === undefined || !Number.isInteger(pid) || pid <= 0 || !isProcessStatus(status)) return undefined;
  const entry: ProcessLogEntry = { command, pid, status, time: time ?? '' };
  if (exitCodeText !== undefined && exitCodeText !== '') entry.exitCode = Number(exitCodeText);
  if (isCgroupState(cgroup)) entry.cgroup = cgroup;
  if (run !== undefined && run !== '') entry.run = run;
  if (owner !== undefined && owner !== '') entry.owner = owner;
  return entry;
}

/** One run of a PID: its start and, once recorded, its end (the last one recorded, should there be two). */
export interface ProcessRun {
  started?: ProcessLogEntry;
  ended?: ProcessLogEntry;
}

/** The runs of one PID's log, in order: lines with a run by it, lines without one in order. */
export function processRuns(entries: ProcessLogEntry[]): ProcessRun[] {
  const runs: ProcessRun[] = [];
  const byToken = new Map<string, ProcessRun>();
  for (const entry of entries) {
    if (entry.status === 'started') {
      const run = { started: entry };
      runs.push(run);
      if (entry.run !== undefined) byToken.set(entry.run, run);
      continue;
    }
    const open = entry.run !== undefined ? byToken.get(entry.run) : [...runs].reverse().find((candidate) => candidate.started?.run === undefined && candidate.ended === undefined);
    if (open !== undefined) open.ended = entry;
    else runs.push({ ended: entry });
  }
  return runs;
}

/**
 * Whether a run without an end is over for good: nobody is left to record its
 * end, its owner and its init both gone. A line of the start without a run
 * (an older one) is over once no process has its PID.
 */
export function runAbandoned(run: ProcessRun): boolean {
  const started = run.started;
  if (started === undefined || run.ended !== undefined) return false;
  if (started.run === undefined) return !isAlive(processIdentity(started.pid));
  if (tokenAlive(started.pid, started.run)) return false;
  return started.owner === undefined || !ownerAlive(started.owner, started.run);
}

/** The line that ends an abandoned run: killed, exit code unknown. */
function killedEntry(started: ProcessLogEntry): ProcessLogEntry {
  const entry: ProcessLogEntry = { command: started.command, pid: started.pid, status: 'killed', time: millisecondTime(new Date().toISOString()) };
  if (started.run !== undefined) entry.run = started.run;
  return entry;
}

function writeLine(dataDir: string, entry: ProcessLogEntry): void {
  mkdirSync(bindingVowDir(dataDir), { recursive: true, mode: 0o700 });
  const path = processLogPath(dataDir, entry.pid);
  try {
    appendFileSync(path, `${formatProcessLogLine(entry)}\n`, { mode: 0o600 });
  } catch (error) {
    // A failed write(2) (the file size limit, a full disk) names no file: this one.
    throw Object.assign(error as Error, { path });
  }
}

function readEntries(dataDir: string, pid: number): ProcessLogEntry[] {
  return (readProcessLog(dataDir, pid) ?? []).map(parseProcessLogLine).filter((entry) => entry !== undefined);
}

/** The lines that would end every abandoned run of a PID as `killed`. */
export function abandonedRunEnds(dataDir: string, pid: number): ProcessLogEntry[] {
  return processRuns(readEntries(dataDir, pid)).flatMap((run) => (run.started !== undefined && runAbandoned(run) ? [killedEntry(run.started)] : []));
}

/** Records the end of every abandoned run of a PID as `killed`; returns the lines written. */
export function completeAbandonedRuns(dataDir: string, pid: number): ProcessLogEntry[] {
  const ends = abandonedRunEnds(dataDir, pid);
  for (const entry of ends) writeLine(dataDir, entry);
  return ends;
}

/** The runs this process has started, by PID: its end lines name the same run. */
const ownRuns = new Map<number, string>();

/**
 * Appends a line. The line of a start gets its run (the init's start time) and
 * its owner (this process); first, the runs of that PID nobody will end are
 * recorded as killed, since the PID is another process's now. The line of an
 * end names the run its writer started, unless it names one itself.
 */
export function appendProcessLog(dataDir: string, entry: ProcessLogEntry): void {
  const line: ProcessLogEntry = { ...entry, time: millisecondTime(entry.time) };
  if (line.status === 'started') {
    const init = processIdentity(line.pid);
    const self = processIdentity(process.pid);
    if (init !== undefined && line.run === undefined) line.run = runOf(init);
    if (self !== undefined && line.owner === undefined) line.owner = ownerOf(self);
    completeAbandonedRuns(dataDir, line.pid);
    if (line.run !== undefined) ownRuns.set(line.pid, line.run);
  } else if (line.run === undefined) {
    const run = ownRuns.get(line.pid);
    if (run !== undefined) line.run = run;
  }
  writeLine(dataDir, line);
}

/** The raw lines of one process's log, or undefined when that PID has none. */
export function readProcessLog(dataDir: string, pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(processLogPath(dataDir, pid), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return text.split('\n').filter((line) => line !== '');
}

/** PIDs that have a process log, in ascending order. */
export function listProcessLogPids(dataDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(bindingVowDir(dataDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(LOG_SUFFIX))
    .map((name) => Number(name.slice(0, -LOG_SUFFIX.length)))
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .sort((a, b) => a - b);
}
