import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { mergeEnv, run, RyouikiError, start, warnOnceOnStderr } from '@ryouiki/core/internal';
import { cgroupOptions } from './cgroup-flags.js';
import { planFromBundleFlags, type BundlePlan } from './bundle-flags.js';
import { envEntries } from './env-flags.js';
import { imageFromFlags, type ImageFlagValues } from './image-flags.js';
import { planFromFlags, type ContainerFlags } from './plan-from-flags.js';
import { parseSize } from './units.js';
import { terminalOptions, warnWithoutHostTerminal, type TerminalFlags } from './terminal.js';

/** This very CLI, to run again: the script node is running now. */
export const RYOUIKI_COMMAND = [process.execPath, process.argv[1] ?? fileURLToPath(new URL('../bin/run.cjs', import.meta.url))];

/** The CLI entry the supervisor runs once a container has ended: `ryouiki cleanup`. */
export const CLEANUP_COMMAND = [...RYOUIKI_COMMAND, 'cleanup'];

/** The flags of tenkai, start and run, as oclif parsed them. */
export interface LaunchFlags extends Omit<ContainerFlags, 'path' | 'tty'>, TerminalFlags, ImageFlagValues {
  path?: string;
  root?: string;
  bundle?: string;
  'ignore-unsupported'?: boolean;
  'env-var'?: string[];
  'env-file'?: string[];
  name?: string;
}

interface RawToken {
  type: 'flag' | 'arg';
  flag?: string;
}

/** What to run: the plan from the flags (or the bundle), -e and --env-file laid over its environment. */
export interface Launch {
  plan: BundlePlan['plan'];
  bundled?: BundlePlan;
}

function warnEach(message: string): void {
  process.stderr.write(`ryouiki: warning: ${message}\n`);
}

/** What to run from the flags, the program and run's or start's IMAGE argument. */
export async function planLaunch(flags: LaunchFlags, program: string[], raw: RawToken[], positionalImage?: string): Promise<Launch> {
  const image = await imageFromFlags(flags, positionalImage);
  const bundled = await planFromBundleFlags(flags, program, raw, image !== undefined);
  const plan = bundled?.plan ?? planFromFlags({ ...flags, path: flags.path as string }, program, image);
  const extra = envEntries(flags['env-file'], flags['env-var']);
  if (extra.length > 0) plan.spec.process.env = mergeEnv(plan.spec.process.env ?? [], extra);
  return { plan, bundled };
}

/** tenkai, and run without -d: the container in the foreground; the exit code is the command's. */
export async function launchInForeground(flags: LaunchFlags, { plan, bundled }: Launch): Promise<number> {
  const terminal = plan.spec.process.terminal === true;
  // As runc runs a bundle whose config.json asks for a terminal: this terminal's keys go to it.
  const interactive = flags.interactive || (bundled !== undefined && terminal && isatty(0));
  warnWithoutHostTerminal({ ...flags, tty: plan.spec.process.terminal === true });
  const result = await run(plan, {
    name: flags.name,
    root: flags.root,
    stdio: 'inherit',
    forwardSignals: true,
    cgroups: cgroupOptions(flags),
    onWarning: bundled === undefined ? warnOnceOnStderr : warnEach,
    ...terminalOptions({ ...flags, interactive }),
  });
  return result.exitCode;
}

export interface DetachedFlags extends LaunchFlags {
  'log-max-size': string;
  rm?: boolean;
  'detach-keys'?: string;
}

/** start, and run -d: the container under its supervisor; resolves with its id once its command runs. */
export async function launchDetached(flags: DetachedFlags, { plan, bundled }: Launch, command: string): Promise<string> {
  if (flags['console-socket'] !== undefined) {
    throw new RyouikiError('USAGE', `ryouiki ${command} does not take --console-socket: its supervisor holds the terminal; connect to it with ryouiki attach`);
  }
  const logMaxSize = parseSize(flags['log-max-size'], '--log-max-size');
  const result = await start(plan, {
    name: flags.name,
    root: flags.root,
    logMaxSize,
    autoRemove: flags.rm,
    exitCommand: CLEANUP_COMMAND,
    cgroups: cgroupOptions(flags),
    interactive: flags.interactive,
    detachKeys: flags['detach-keys'],
    onWarning: bundled === undefined ? warnOnceOnStderr : warnEach,
  });
  return result.id;
}
