import { RyouikiError } from '../errors.js';
import type { ContainerSpec } from '../spec/spec.js';

/** How a container with a terminal (`process.terminal`) is connected to the caller. */
export interface TerminalOptions {
  /** Copy stdin to the container's terminal, with the caller's terminal in raw mode meanwhile (`-i`). */
  interactive?: boolean;
  /** A unix socket to send the terminal's master to (SCM_RIGHTS), for OCI-style callers; nothing is copied then. */
  consoleSocket?: string;
}

/**
 * The helper's flags for the container's terminal. Without `process.terminal`
 * there are none: stdin, stdout and stderr pass straight through, and
 * `interactive` changes nothing (stdin is always connected).
 */
export function terminalArgs(spec: ContainerSpec, options: TerminalOptions): string[] {
  if (spec.process.terminal !== true) {
    if (options.consoleSocket !== undefined) {
      throw new RyouikiError('USAGE', 'a console socket needs a terminal: add -t (process.terminal)');
    }
    return [];
  }
  const args = ['--tty'];
  if (options.interactive === true) args.push('--interactive');
  if (options.consoleSocket !== undefined) args.push('--console-socket', options.consoleSocket);
  return args;
}
