import { containerLog, inspectContainer } from '@ryouiki/core/internal';
import { currentLogRecords, describeLogGap, filterLogLines, LineAssembler, type LogFilter, type LogLine, type LogRecord, readLogLines } from '@ryouiki/logs';

export interface PrintOptions extends LogFilter {
  timestamps?: boolean;
  root?: string;
}

/** The supervisor's mark of a gap goes to stderr as ryouiki's own line, never as the container's. */
function printGap(record: LogLine | LogRecord, timestamps: boolean): void {
  if (record.gap !== undefined) process.stderr.write(`${timestamps ? `${record.time} ` : ''}ryouiki: ${describeLogGap(record.gap)}\n`);
}

function printLine(line: LogLine, timestamps: boolean): void {
  if (line.gap !== undefined) {
    printGap(line, timestamps);
    return;
  }
  const out = line.stream === 'stderr' ? process.stderr : process.stdout;
  out.write(`${timestamps ? `${line.time} ` : ''}${line.text}${line.newline ? '\n' : ''}`);
}

/** A container's log lines as @ryouiki/logs reads them, picked by --since and --tail. */
export function logLines(logPath: string, options: PrintOptions): LogLine[] {
  return filterLogLines(readLogLines(logPath), options);
}

/** Prints log lines: stdout records on stdout, stderr records on stderr. */
export function printLines(lines: LogLine[], options: PrintOptions): void {
  for (const line of lines) printLine(line, options.timestamps === true);
}

function assembleLines(records: LogRecord[]): LogLine[] {
  const assembler = new LineAssembler();
  const lines = records.flatMap((record) => assembler.push(record));
  return [...lines, ...assembler.flush()];
}

/** Prints records as they come, pieces of lines included; the time starts each line. */
class RecordPrinter {
  private readonly midLine = new Set<string>();

  constructor(private readonly options: PrintOptions) {}

  print(record: LogRecord): void {
    if (this.options.since !== undefined && new Date(record.time) < this.options.since) return;
    if (record.gap !== undefined) {
      this.endOpenLines();
      printGap(record, this.options.timestamps === true);
      return;
    }
    const out = record.stream === 'stderr' ? process.stderr : process.stdout;
    const stamp = this.options.timestamps === true && !this.midLine.has(record.stream) ? `${record.time} ` : '';
    out.write(`${stamp}${record.content}${record.partial ? '' : '\n'}`);
    if (record.partial) this.midLine.add(record.stream);
    else this.midLine.delete(record.stream);
  }

  /** A line a gap cut short ends there. */
  private endOpenLines(): void {
    for (const stream of this.midLine) (stream === 'stderr' ? process.stderr : process.stdout).write('\n');
    this.midLine.clear();
  }
}

/**
 * Prints the log as it is, then what is written to it until the container
 * has stopped and its supervisor has written the last of it. --tail and
 * --since pick from what is there at the start; what comes later is all shown.
 */
export async function followLog(query: string, options: PrintOptions): Promise<void> {
  const present = currentLogRecords((await inspectContainer(query, { root: options.root })).logPath);
  const shown = filterLogLines(assembleLines(present), options);
  const firstTime = shown[0]?.time;
  const skip = firstTime === undefined ? present.length : present.findIndex((record) => record.time === firstTime);
  const printer = new RecordPrinter(options);
  let index = 0;
  for await (const record of containerLog(query, { root: options.root, follow: true })) {
    if (index++ >= skip) printer.print(record);
  }
}
