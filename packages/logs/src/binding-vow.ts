import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The seed's process log: one file per container, `binding_vow/<PID>.ryouiki`,
 * named after the container's host PID. Each line starts with the seed's three
 * columns `command,pid,status`, then the exit code (empty while running), an
 * ISO timestamp and, on the line of the end, the container's cgroup state.
 */
export type ProcessStatus = 'started' | 'done' | 'failed';

/** Whether the container ran in a cgroup of its own, and whether the kernel's OOM killer struck in it. */
export type ProcessCgroupState = 'no-cgroup' | 'cgroup' | 'oom-killed';

export interface ProcessLogEntry {
  command: string;
  pid: number;
  status: ProcessStatus;
  exitCode?: number;
  time: string;
  cgroup?: ProcessCgroupState;
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
  if (entry.cgroup !== undefined) fields.push(entry.cgroup);
  return fields.join(',');
}

function isCgroupState(value: string | undefined): value is ProcessCgroupState {
  return value === 'no-cgroup' || value === 'cgroup' || value === 'oom-killed';
}

function isProcessStatus(value: string | undefined): value is ProcessStatus {
  return value === 'started' || value === 'done' || value === 'failed';
}

/** Returns undefined for a line that is not one of ours, so one bad line cannot hide the rest. */
export function parseProcessLogLine(line: string): ProcessLogEntry | undefined {
  const [command, pidText, status, exitCodeText, time, cgroup] = splitCsvLine(line);
  const pid = Number(pidText);
  if (command === undefined || !Number.isInteger(pid) || pid <= 0 || !isProcessStatus(status)) return undefined;
  const entry: ProcessLogEntry = { command, pid, status, time: time ?? '' };
  if (exitCodeText !== undefined && exitCodeText !== '') entry.exitCode = Number(exitCodeText);
  if (isCgroupState(cgroup)) entry.cgroup = cgroup;
  return entry;
}

export function appendProcessLog(dataDir: string, entry: ProcessLogEntry): void {
  mkdirSync(bindingVowDir(dataDir), { recursive: true, mode: 0o700 });
  appendFileSync(processLogPath(dataDir, entry.pid), `${formatProcessLogLine(entry)}\n`, { mode: 0o600 });
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
