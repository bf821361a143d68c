import { inspectContainer } from '@ryouiki/core';
import { filterLogLines, LineAssembler, LogFollower, parseLogText, previousLogPath, readLogLines, type LogFilter, type LogLine } from '@ryouiki/logs';
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

/** Prints a container's log: stdout records on stdout, stderr records on stderr. */
export function printLog(logPath: string, options: PrintOptions): void {
  for (const line of filterLogLines(readLogLines(logPath), options)) printLine(line, options.timestamps === true);
}

function previousLines(logPath: string): LogLine[] {
  const assembler = new LineAssembler();
  let text = '';
  try {
    text = readFileSync(previousLogPath(logPath), 'utf8');
  } catch {
    return [];
  }
  return parseLogText(text).flatMap((record) => assembler.push(record) ?? []);
}

/**
 * Prints the log as it is, then what is written to it until the container
 * has stopped and its supervisor has written the last of it.
 */
export async function followLog(query: string, logPath: string, options: PrintOptions): Promise<void> {
  const follower = new LogFollower(logPath, 0);
  const assembler = new LineAssembler();
  const first: LogLine[] = previousLines(logPath);
  for (const record of follower.poll()) {
    const line = assembler.push(record);
    if (line !== undefined) first.push(line);
  }
  for (const line of filterLogLines(first, options)) printLine(line, options.timestamps === true);
  try {
    for (;;) {
      const stopped = (await inspectContainer(query, { root: options.root })).status === 'stopped';
      for (const record of follower.poll()) {
        const line = assembler.push(record);
        if (line !== undefined && (options.since === undefined || new Date(line.time) >= options.since)) printLine(line, options.timestamps === true);
      }
      if (stopped) break;
      await sleep(FOLLOW_POLL_MS);
    }
    for (const line of assembler.flush()) printLine(line, options.timestamps === true);
  } finally {
    follower.close();
  }
}
