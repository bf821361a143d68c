import { isatty } from 'node:tty';
import { Flags } from '@oclif/core';
import type { TerminalOptions } from '@ryouiki/core/internal';

/** -i, -t and --console-socket, as podman and runc spell them. */
export const terminalFlags = {
  interactive: Flags.boolean({ char: 'i', description: "keep stdin connected; with -t, typed keys go to the container's terminal (the host terminal in raw mode meanwhile)", default: false }),
  tty: Flags.boolean({ char: 't', description: 'give the command a pseudo-terminal of the container (/dev/pts/0) as its controlling terminal, stdin, stdout and stderr', default: false }),
  'console-socket': Flags.string({ description: "with -t: send the terminal's master to this unix socket (SCM_RIGHTS) instead of connecting it here, as runc does" }),
};

/** The detach sequence of ryouiki attach, as podman's --detach-keys. */
export const detachKeysFlag = Flags.string({
  description: 'keys that detach ryouiki attach and leave the container running: ctrl-<a-z@[\\]^_> or single characters, separated by commas; "" for none (default: ctrl-p,ctrl-q)',
});

export interface TerminalFlags {
  interactive: boolean;
  tty: boolean;
  'console-socket'?: string;
}

/**
 * As podman: -t without a terminal on stdin still gives the container one, with
 * a warning, so that `ryouiki tenkai -t ... | less` and scripts keep working.
 */
export function warnWithoutHostTerminal(flags: TerminalFlags): void {
  if (flags.tty && flags['console-socket'] === undefined && !isatty(0)) {
    process.stderr.write('ryouiki: warning: -t: stdin is not a terminal: the container gets a pseudo-terminal anyway\n');
  }
}

export function terminalOptions(flags: TerminalFlags): TerminalOptions {
  return { interactive: flags.interactive, consoleSocket: flags['console-socket'] };
}
