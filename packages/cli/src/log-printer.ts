import { inspectContainer } from '@ryouiki/core';
import { filterLogLines, LineAssembler, LogFollower, parseLogText, previousLogPath, readLogLines, type LogFilter, type LogLine, type LogRecord } from '@ryouiki/logs';
import { readFileSync } from 'node:fs';

export interface PrintOptions extends LogFilter {
  timestamps?: boolean;
  root?: string;
}

const FOLLOW_POLL_MS = 50;

function printLine(line: LogLine, timestamps: boolean): void {
  const out = line.stream === 'stderr' ? process.stderr : process.stdout;
  out.write(`${timestamps ? `${line.time} ` : ''}${line.text}${line.newline ? '\n' : ''}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A container's log lines as @ryouiki/logs reads them, picked by --since and --tail. */
export function logLines(logPath: string, options: PrintOptions): LogLine[] {
  return filterLogLines(readLogLines(logPath), options);
}

/** Prints log lines: stdout records on stdout, stderr records on stderr. */
export function printLines(lines: LogLine[], options: PrintOptions): void {
  for (const line of lines) printLine(line, options.timestamps === true);
}

function previousRecords(logPath: string): LogRecord[] {
  try {
    return parseLogText(readFileSync(previousLogPath(logPath), 'utf8'));
  } catch {
    return [];
  }
}

function assembleLines(records: LogRecord[]): LogLine[] {
  const assembler = new LineAssembler();
  const lines = records.flatMap((record) => assembler.push(record) ?? []);
  return [...lines, ...assembler.flush()];
}

/** Prints records as they come, pieces of lines included; the time starts each line. */
class RecordPrinter {
  private readonly midLine = new Set<string>();

  constructor(private readonly options: PrintOptions) {}

  print(record: LogRecord): void {
    if (this.options.since !== undefined && new Date(record.time) < this.options.since) return;
    const out = record.stream === 'stderr' ? process.stderr : process.stdout;
    const stamp = this.options.timestamps === true && !this.midLine.has(record.stream) ? `${record.time} ` : '';
    out.write(`${stamp}${record.content}${record.partial ? '' : '\n'}`);
    if (record.partial) this.midLine.add(record.stream);
    else this.midLine.delete(record.stream);
  }
}

/**
 * Prints the log as it is, then what is written to it until the container
 * has stopped and its supervisor has written the last of it.
 */
export async function followLog(query: string, logPath: string, options: PrintOptions): Promise<void> {
  const follower = new LogFollower(logPath, 0);
  const records = [...previousRecords(logPath), ...follower.poll()];
  const printer = new RecordPrinter(options);
  const shown = filterLogLines(assembleLines(records), options);
  const firstTime = shown[0]?.time;
  const skip = firstTime === undefined ? records.length : records.findIndex((record) => record.time === firstTime);
  for (const record of records.slice(skip)) printer.print(record);
  try {
    for (;;) {
      const stopped = (await inspectContainer(query, { root: options.root })).status === 'stopped';
      for (const record of follower.poll()) printer.print(record);
      if (stopped) break;
      await sleep(FOLLOW_POLL_MS);
    }
  } finally {
    follower.close();
  }
}
