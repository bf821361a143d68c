import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

/**
 * The container log, in the Kubernetes CRI format that podman's k8s-file
 * driver also writes: one record a line, `<RFC 3339 time> <stdout|stderr>
 * <P|F> <content>`, P marking a piece of a line that goes on in the next
 * record. ryouiki-monitor writes it; this reads it.
 *
 * The tag field is CRI's `:`-separated tag list. Where the supervisor could
 * not write the log (a full disk, a file-size limit), it marks the gap with
 * `<time> stderr F:gap lost <N> bytes from <time>: <reason>` once the log
 * takes a record again: the N bytes of output before that record are lost.
 */
export type LogStream = 'stdout' | 'stderr';

/** Output the supervisor could not write to the log. */
export interface LogGap {
  lostBytes: number;
  /** The time of the first output lost. */
  since: string;
  /** Why, as the system said it (`No space left on device`). */
  reason: string;
}

export interface LogRecord {
  time: string;
  stream: LogStream;
  partial: boolean;
  content: string;
  /** Set on the supervisor's record of a gap; content is then its text. */
  gap?: LogGap;
}

/** One whole line of output, its pieces joined; `newline` is false for a last line that had none. */
export interface LogLine {
  time: string;
  stream: LogStream;
  text: string;
  newline: boolean;
  /** Not output but the supervisor's mark of a gap: what it lost here. */
  gap?: LogGap;
}

const RECORD = /^(\S+) (stdout|stderr) ([PF])((?::[^\s:]+)*) (.*)$/s;
const GAP_TEXT = /^lost (\d+) bytes from (\S+): (.*)$/s;

function parseGap(content: string): LogGap | undefined {
  const match = GAP_TEXT.exec(content);
  if (match === null) return undefined;
  return { lostBytes: Number(match[1]), since: match[2] as string, reason: match[3] as string };
}

export function parseLogRecord(line: string): LogRecord | undefined {
  const match = RECORD.exec(line);
  if (match === null) return undefined;
  const [, time, stream, tag, extraTags, content] = match;
  const record: LogRecord = { time: time as string, stream: stream as LogStream, partial: tag === 'P', content: content as string };
  const gap = (extraTags as string).split(':').includes('gap') ? parseGap(record.content) : undefined;
  if (gap !== undefined) record.gap = gap;
  return record;
}

/** What `ryouiki logs` says where the log has a gap. */
export function describeLogGap(gap: LogGap): string {
  return `${gap.lostBytes} bytes of output from ${gap.since} on are missing here: the log could not be written (${gap.reason})`;
}

/** Joins records into lines, per stream: a line starts at the time of its first piece. */
export class LineAssembler {
  private readonly open = new Map<LogStream, LogLine>();

  /**
   * Returns the line this record completes, if it does; for a gap, the lines
   * it cuts short, then the gap itself.
   */
  push(record: LogRecord): LogLine[] {
    if (record.gap !== undefined) return [...this.flush(), { time: record.time, stream: record.stream, text: record.content, newline: true, gap: record.gap }];
    const current = this.open.get(record.stream);
    const line: LogLine = current ?? { time: record.time, stream: record.stream, text: '', newline: false };
    line.text += record.content;
    if (record.partial) {
      this.open.set(record.stream, line);
      return [];
    }
    this.open.delete(record.stream);
    line.newline = true;
    return [line];
  }

  /** The pieces still waiting for the rest of their line. */
  flush(): LogLine[] {
    const lines = [...this.open.values()];
    this.open.clear();
    return lines;
  }
}

/** The previous file rotation keeps next to a log. */
export function previousLogPath(path: string): string {
  return `${path}.1`;
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export function parseLogText(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseLogRecord(line);
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** Every whole line of a log and its previous file, oldest first. */
export function readLogLines(path: string): LogLine[] {
  const assembler = new LineAssembler();
  const lines: LogLine[] = [];
  for (const record of parseLogText(readIfPresent(previousLogPath(path)) + readIfPresent(path))) {
    lines.push(...assembler.push(record));
  }
  return [...lines, ...assembler.flush()];
}

export interface LogFilter {
  /** Only lines at or after this time. */
  since?: Date;
  /** Only the last N lines. */
  tail?: number;
}

export function filterLogLines(lines: LogLine[], filter: LogFilter): LogLine[] {
  const since = filter.since;
  const kept = since === undefined ? lines : lines.filter((line) => new Date(line.time).getTime() >= since.getTime());
  return filter.tail === undefined ? kept : kept.slice(Math.max(0, kept.length - filter.tail));
}

const CHUNK = 64 * 1024;

/**
 * Reads what is appended to a log from a given point on, across rotation:
 * the open file is read to its end before the new one is opened.
 */
export class LogFollower {
  private fd: number | undefined;
  private inode = 0;
  private pending = '';

  constructor(
    private readonly path: string,
    private position: number,
  ) {}

  /** Records appended since the last call. */
  poll(): LogRecord[] {
    let text = '';
    for (;;) {
      if (this.fd === undefined && !this.openCurrent()) return [];
      text += this.readToEnd();
      if (!this.rotated()) break;
      closeSync(this.fd as number);
      this.fd = undefined;
      this.position = 0;
    }
    const all = this.pending + text;
    const end = all.lastIndexOf('\n') + 1;
    this.pending = all.slice(end);
    return parseLogText(all.slice(0, end));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private openCurrent(): boolean {
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      return false;
    }
    this.inode = fstatSync(this.fd).ino;
    return true;
  }

  private readToEnd(): string {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const n = readSync(this.fd as number, buffer, 0, CHUNK, this.position);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      this.position += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private rotated(): boolean {
    const current = statSync(this.path, { throwIfNoEntry: false });
    return current !== undefined && current.ino !== this.inode;
  }
}

/** The size of a log now: where following starts. */
export function logSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
