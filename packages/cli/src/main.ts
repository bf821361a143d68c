import { flush, run } from '@oclif/core';
import Attach from './commands/attach.js';
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
import Images from './commands/images.js';
import ImageInspect from './commands/image/inspect.js';
import ImagePrune from './commands/image/prune.js';
import Import from './commands/import.js';
import Load from './commands/load.js';
import Login from './commands/login.js';
import Logout from './commands/logout.js';
import Pull from './commands/pull.js';
import Rmi from './commands/rmi.js';
import Save from './commands/save.js';
import Tag from './commands/tag.js';
import { takeDebugFlag } from './debug-flag.js';
import { reportError } from './error-report.js';

/**
 * The commands, listed explicitly: oclif finds them here instead of scanning
 * a folder, which lets the whole CLI ship as one bundled file that starts fast.
 */
export const COMMANDS = {
  attach: Attach,
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
  images: Images,
  'image:inspect': ImageInspect,
  'image:prune': ImagePrune,
  import: Import,
  load: Load,
  login: Login,
  logout: Logout,
  pull: Pull,
  rmi: Rmi,
  save: Save,
  tag: Tag,
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
