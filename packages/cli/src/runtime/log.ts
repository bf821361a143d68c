import { appendFileSync } from 'node:fs';

export type LogFormat = 'text' | 'json';

/**
 * Where ryouiki-runtime reports: one line on stderr, and with --log the same
 * message in that file, as runc writes it (`--log-format json`: one
 * {"level","msg","time"} object a line), since engines read the file.
 */
export class RuntimeLog {
  constructor(
    private readonly file: string | undefined,
    private readonly format: LogFormat,
    readonly debug: boolean,
  ) {}

  private write(level: 'error' | 'warning' | 'debug', message: string): void {
    if (this.file === undefined) return;
    const time = new Date().toISOString();
    const line = this.format === 'json' ? JSON.stringify({ level, msg: message, time }) : `time="${time}" level=${level} msg=${JSON.stringify(message)}`;
    try {
      appendFileSync(this.file, `${line}\n`);
    } catch {
      // the log is best effort: stderr has the message too
    }
  }

  error(message: string): void {
    process.stderr.write(`ryouiki-runtime: ${message}\n`);
    this.write('error', message);
  }

  /**
   * To the log when there is one, else to stderr only when it is a terminal:
   * an engine's runtime stderr is the container's, and a warning there would
   * be the container's output.
   */
  warn(message: string): void {
    if (this.file === undefined && process.stderr.isTTY) process.stderr.write(`ryouiki-runtime: warning: ${message}\n`);
    this.write('warning', message);
  }

  trace(message: string): void {
    if (this.debug) this.write('debug', message);
  }
}
