import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, leftovers, REPO_ROOT, waitFor, type Outcome } from './harness.js';

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A real pseudo-terminal on the host, made by util-linux's `script`, with a
 * shell in it that records the terminal's settings (`stty -g`) before and after
 * running one command, and the command's exit code. Keys are typed by writing
 * to script's stdin; what the terminal shows is read from its stdout.
 */
export class HostTerminal {
  private readonly child: ChildProcess;
  private output = '';
  private seen = 0;
  private closed: Promise<number | null>;

  constructor(
    private readonly dir: string,
    command: string[],
    size = { rows: 31, cols: 101 },
  ) {
    const session = join(dir, 'session.sh');
    writeFileSync(
      session,
      [
        // As an interactive shell does: a Ctrl-C typed for the command must not end this shell.
        'trap : INT QUIT',
        `stty rows ${size.rows} cols ${size.cols}`,
        `stty -g > ${join(dir, 'before')}`,
        `tty > ${join(dir, 'tty')}`,
        command.map(shellQuote).join(' '),
        'echo "SESSION-EXIT=$?"',
        `stty -g > ${join(dir, 'after')}`,
        '',
      ].join('\n'),
    );
    this.child = spawn('script', ['--quiet', '--return', '--command', `sh ${session}`, '/dev/null'], { stdio: 'pipe' });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.closed = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Waits until the terminal shows text after what earlier expectations consumed; returns what it matched. */
  async expect(pattern: string | RegExp, what = String(pattern)): Promise<string> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return waitFor(() => {
      const match = regex.exec(this.output.slice(this.seen));
      if (match === null) return undefined;
      this.seen += match.index + match[0].length;
      return match[0];
    }, `the terminal to show ${what}`).catch((error: Error) => {
      throw new Error(`${error.message}; it shows: ${JSON.stringify(this.output.slice(this.seen))}`);
    });
  }

  /** Everything the terminal has shown so far. */
  transcript(): string {
    return this.output;
  }

  type(keys: string): void {
    this.child.stdin?.write(keys);
  }

  /** The host terminal's device, once the session has started. */
  ttyPath(): string {
    return readFileSync(join(this.dir, 'tty'), 'utf8').trim();
  }

  /** Resizes the host terminal, as a terminal emulator does: its foreground process group gets SIGWINCH. */
  resize(rows: number, cols: number): void {
    execFileSync('stty', ['-F', this.ttyPath(), 'rows', String(rows), 'cols', String(cols)]);
  }

  /** The host terminal's settings now, as stty -a prints them. */
  currentSettings(): string {
    return execFileSync('stty', ['-F', this.ttyPath(), '-a'], { encoding: 'utf8' });
  }

  /** Waits for the command to end; returns its exit code as the session's shell saw it. */
  async finish(): Promise<number> {
    const code = await this.expect(/SESSION-EXIT=(\d+)/, 'the command to end');
    this.child.stdin?.end();
    await this.closed;
    return Number(code.split('=')[1]);
  }

  /** The terminal's settings (stty -g) before the command and after it. */
  settings(): { before: string; after: string } {
    return { before: readFileSync(join(this.dir, 'before'), 'utf8'), after: readFileSync(join(this.dir, 'after'), 'utf8') };
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

export interface TerminalRun {
  /** Every byte the terminal showed, as latin1 so that each byte is one character. */
  shown: string;
  exitCode: number | null;
}

const TERMINAL_RUN_TIMEOUT_MS = 20000;

/**
 * Runs command alone on a new host terminal made by script(1), with input
 * typed on it and then the end of script's stdin, as under any caller that is
 * not a terminal itself: script then types an end-of-file (Ctrl-D) there at
 * once, before the command has even started. Resolves with what the terminal
 * showed, byte for byte, and the command's exit code; kills it after 20s.
 */
export function runOnHostTerminal(command: string[], input = ''): Promise<TerminalRun> {
  const child = spawn('script', ['--quiet', '--return', '--command', command.map(shellQuote).join(' '), '/dev/null'], { stdio: 'pipe' });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin?.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), TERMINAL_RUN_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ shown: Buffer.concat(chunks).toString('latin1'), exitCode });
    });
  });
}

/** A run as one line, so that a comparison of many runs shows which ones differ. */
export function runSummary(run: TerminalRun): string {
  return `exit ${run.exitCode}: ${JSON.stringify(run.shown)}`;
}

/** Runs once times times in a row, each after the last has ended: the summary of each. */
export async function repeatRuns(times: number, once: (run: number) => Promise<TerminalRun>): Promise<string[]> {
  const summaries: string[] = [];
  for (let run = 0; run < times; run++) summaries.push(runSummary(await once(run)));
  return summaries;
}

/** The summaries of times runs that all showed shown and exited with exitCode. */
export function sameEachTime(times: number, shown: string, exitCode = 0): string[] {
  return Array<string>(times).fill(runSummary({ shown, exitCode }));
}

/**
 * helper/build/console-receiver on socket (the far end of --console-socket),
 * once it listens: what it has said so far, and its outcome once nobody holds
 * the terminal any more.
 */
export async function listenForTerminal(socket: string): Promise<{ said: () => string; result: Promise<Outcome> }> {
  const receiver = spawn(join(REPO_ROOT, 'helper', 'build', 'console-receiver'), [socket], { stdio: 'pipe' });
  const result = collect(receiver);
  let said = '';
  receiver.stdout?.on('data', (chunk: Buffer | string) => (said += chunk.toString()));
  await waitFor(() => (said.includes('listening') ? true : undefined), 'the receiver to listen');
  return { said: () => said, result };
}

/** Waits for a busybox shell's prompt, then types one line (Enter is a carriage return in raw mode). */
export async function shellLine(host: HostTerminal, line: string): Promise<void> {
  await host.expect('/ # ', 'the shell prompt');
  host.type(`${line}\r`);
}

/** A container's process as the host sees it, once it runs. */
export function containerProcess(cmdline: string): Promise<number> {
  return waitFor(() => leftovers(cmdline).find((p) => p.cmdline === cmdline)?.pid, `${cmdline} to run`);
}

/** In the shell on host's terminal: Ctrl-C interrupts `sleep SECONDS`, and the shell survives. */
export async function expectCtrlCInterrupts(host: HostTerminal, seconds: number): Promise<void> {
  await shellLine(host, `sleep ${seconds}`);
  await containerProcess(`sleep ${seconds}`);
  host.type('\x03');
  await shellLine(host, 'echo "rc=$? alive"');
  await host.expect('rc=130 alive');
}

/** In the shell on host's terminal, made 31x101: `stty size` says so, and follows a resize. */
export async function expectSizeFollows(host: HostTerminal): Promise<void> {
  await shellLine(host, 'stty size');
  await host.expect('\r\n31 101\r\n');
  host.resize(40, 120);
  await shellLine(host, 'stty size');
  await host.expect('\r\n40 120\r\n');
}

/**
 * In the shell on host's terminal: 42 for $((6*7)), `tty` is /dev/pts/0 of the
 * container's own devpts; `exit 3` ends the command with 3, and the host
 * terminal's settings are as before.
 */
export async function expectContainerShell(host: HostTerminal): Promise<void> {
  await shellLine(host, 'echo $((6*7))');
  await host.expect('\r\n42\r\n');
  await shellLine(host, 'tty; ls /dev/pts');
  await host.expect(/\/dev\/pts\/0\r\n0\s+ptmx\r\n/, "/dev/pts/0 and the container's own devpts");
  await shellLine(host, 'exit 3');
  if ((await host.finish()) !== 3) throw new Error("the shell's exit 3 did not end the command with 3");
  const { before, after } = host.settings();
  if (after !== before) throw new Error(`the host terminal's settings changed: ${before} became ${after}`);
}
