import { flush, run } from '@oclif/core';
import Inspect from './commands/inspect.js';
import Stats from './commands/stats.js';
import Tenkai from './commands/tenkai.js';
import { reportError } from './error-report.js';

/**
 * The commands, listed explicitly: oclif finds them here instead of scanning
 * a folder, which lets the whole CLI ship as one bundled file that starts fast.
 */
export const COMMANDS = {
  inspect: Inspect,
  stats: Stats,
  tenkai: Tenkai,
};

/** Runs the CLI for argv; the exit code is left in process.exitCode. */
export async function main(argv: string[], binUrl: string): Promise<void> {
  try {
    await run(argv, binUrl);
    await flush();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
