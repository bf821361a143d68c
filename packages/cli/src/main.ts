import { flush, run } from '@oclif/core';
import Cleanup from './commands/cleanup.js';
import Exec from './commands/exec.js';
import Inspect from './commands/inspect.js';
import Kill from './commands/kill.js';
import Logs from './commands/logs.js';
import Ps from './commands/ps.js';
import Rm from './commands/rm.js';
import Spec from './commands/spec.js';
import Start from './commands/start.js';
import Stats from './commands/stats.js';
import Stop from './commands/stop.js';
import Tenkai from './commands/tenkai.js';
import Wait from './commands/wait.js';
import { takeDebugFlag } from './debug-flag.js';
import { reportError } from './error-report.js';

/**
 * The commands, listed explicitly: oclif finds them here instead of scanning
 * a folder, which lets the whole CLI ship as one bundled file that starts fast.
 */
export const COMMANDS = {
  cleanup: Cleanup,
  exec: Exec,
  inspect: Inspect,
  kill: Kill,
  logs: Logs,
  ps: Ps,
  rm: Rm,
  spec: Spec,
  start: Start,
  stats: Stats,
  stop: Stop,
  tenkai: Tenkai,
  wait: Wait,
};

/** Runs the CLI for argv; the exit code is left in process.exitCode. */
export async function main(argv: string[], binUrl: string): Promise<void> {
  const { argv: commandArgv, debug } = takeDebugFlag(argv);
  // Through the environment, so that the errors reported along the way (each container of `rm a b`) show it too.
  if (debug) process.env.RYOUIKI_DEBUG = '1';
  try {
    await run(commandArgv, binUrl);
    await flush();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
