import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Config, flush, Plugin, run } from '@oclif/core';
import Attach from './commands/attach.js';
import Cleanup from './commands/cleanup.js';
import Complete from './commands/__complete.js';
import Completion from './commands/completion.js';
import Cp from './commands/cp.js';
import Exec from './commands/exec.js';
import Inspect from './commands/inspect.js';
import Kill from './commands/kill.js';
import Logs from './commands/logs.js';
import Port from './commands/port.js';
import Ps from './commands/ps.js';
import Restart from './commands/restart.js';
import Rm from './commands/rm.js';
import Run from './commands/run.js';
import Spec from './commands/spec.js';
import Start from './commands/start.js';
import Stats from './commands/stats.js';
import Stop from './commands/stop.js';
import Tenkai from './commands/tenkai.js';
import Top from './commands/top.js';
import Version from './commands/version.js';
import Wait from './commands/wait.js';
import Commit from './commands/commit.js';
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
import { guardProgramArgv } from './program-argv.js';

export { RyouikiHelp } from './help.js';

/**
 * The commands, listed explicitly: oclif finds them here instead of scanning
 * a folder, which lets the whole CLI ship as one bundled file that starts fast.
 */
export const COMMANDS = {
  attach: Attach,
  cleanup: Cleanup,
  __complete: Complete,
  completion: Completion,
  cp: Cp,
  exec: Exec,
  inspect: Inspect,
  kill: Kill,
  logs: Logs,
  port: Port,
  ps: Ps,
  restart: Restart,
  rm: Rm,
  run: Run,
  spec: Spec,
  start: Start,
  stats: Stats,
  stop: Stop,
  tenkai: Tenkai,
  top: Top,
  version: Version,
  wait: Wait,
  commit: Commit,
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

/** `ryouiki -v` and `ryouiki --version`, as podman's: the version line of `ryouiki version`. */
function versionShorthand(argv: string[]): string[] {
  return argv.length === 1 && (argv[0] === '-v' || argv[0] === '--version') ? ['version', '--short'] : argv;
}

/** completion and __complete name every command, the plugins' too: they load them. */
const NEEDS_PLUGINS = new Set(['completion', '__complete']);

/** oclif's data folder (package.json's oclif.dirname under XDG_DATA_HOME), where its list of the user's plugins is kept. */
function pluginDataDir(env: NodeJS.ProcessEnv): string {
  return env.RYOUIKI_DATA_DIR || join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'ryouiki');
}

/** Whether the user installed or linked a plugin: one small file read, which plugin-plugins writes. */
function hasUserPlugins(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const list = JSON.parse(readFileSync(join(pluginDataDir(env), 'package.json'), 'utf8')) as { oclif?: { plugins?: Array<{ type?: string }> } };
    return (list.oclif?.plugins ?? []).some((plugin) => plugin.type === 'user' || plugin.type === 'link');
  } catch {
    return false;
  }
}

/**
 * What oclif runs argv with: for one of ryouiki's own commands, a configuration
 * of the CLI alone (its manifest, no plugins), so that a core command never
 * waits for the bundled plugins to load; for anything else (help, plugins, a
 * plugin's command, an unknown one), every plugin. Once the user has a plugin
 * of their own, every command loads them all, so that its hooks (init,
 * prerun) run for ryouiki's own commands too.
 */
async function configFor(argv: string[], binUrl: string): Promise<Config | string> {
  const id = argv[0];
  if (id === undefined || !Object.hasOwn(COMMANDS, id) || NEEDS_PLUGINS.has(id) || hasUserPlugins()) return binUrl;
  const root = new Plugin({ isRoot: true, root: dirname(dirname(fileURLToPath(binUrl))) });
  await root.load();
  return Config.load({ root: root.root, plugins: new Map([[root.name, root]]) });
}

/** Runs the CLI for argv; the exit code is left in process.exitCode. */
export async function main(argv: string[], binUrl: string): Promise<void> {
  const { options, program } = guardProgramArgv(versionShorthand(argv), COMMANDS);
  const { argv: commandArgv, debug } = takeDebugFlag(options);
  // Through the environment, so that the errors reported along the way (each container of `rm a b`) show it too.
  if (debug) process.env.RYOUIKI_DEBUG = '1';
  try {
    await run(program === undefined ? commandArgv : [...commandArgv, '--', ...program], await configFor(commandArgv, binUrl));
    await flush();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
