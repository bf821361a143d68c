import { resolve } from 'node:path';
import type { CgroupOptions } from './cgroup/cgroup-system.js';
import { Container } from './container.js';
import { containerDir, exitFilePath, type ContainerState, type RelaunchRecord } from './store/container-state.js';
import type { ContainerPlan } from './spec/container-options.js';
import { networkFilePath } from './helper/monitor.js';
import { parseDetachKeys } from './helper/detach-keys.js';
import { asRuntimeError, RyouikiError } from './errors.js';
import { supervisorArgv } from './launch/argv.js';
import { LINK_FD } from './launch/fds.js';
import { afterPrepare, prepareLaunch, spawnSupervisor, superviseLaunch } from './launch/pipeline.js';
import { containerRecord, launchOf, pullRequestImage, toPlan, type Launchable } from './launch/plan.js';
import { filesOf } from './launch/resources.js';
import type { StoreRecorder } from './launch/record.js';
import type { StoreOptions } from './store/paths.js';
import { storeDirs } from './store/runtime-dir.js';
import type { ContainerSpec } from './spec/spec.js';

export const DEFAULT_LOG_MAX_SIZE = 10 * 1024 * 1024;

export interface StartOptions extends StoreOptions {
  id?: string;
  /** Default: the short id. */
  name?: string;
  /** How ps and the process log name the command; default: the arguments joined by spaces. */
  commandLabel?: string;
  /** Rotate the container log past this many bytes, keeping one previous file; 0 never rotates. */
  logMaxSize?: number;
  /** Remove the container and its log once it has ended (--rm). */
  autoRemove?: boolean;
  /** What the supervisor runs once the container has ended, to record it (`ryouiki cleanup`); `[--root ROOT] ID` is appended. */
  exitCommand?: string[];
  /** Where the container's cgroup goes, or none (`enabled: false`); limits come from the spec. */
  cgroups?: CgroupOptions;
  /** With a terminal (spec.process.terminal): what `ryouiki attach` types goes to it (`-i`). */
  interactive?: boolean;
  /** The detach sequence of `ryouiki attach`, as podman spells it; default ctrl-p,ctrl-q. */
  detachKeys?: string;
  onWarning?: (message: string) => void;
}

/** What start() resolves with: a handle with logs(), exec(), stop(), restart(), wait(), remove() and stats(). */
export type StartResult = Container;

/** What `ryouiki attach` needs to know of a container with a terminal. */
function terminalRecord(spec: ContainerSpec, options: StartOptions): Partial<ContainerState> {
  if (options.detachKeys !== undefined) parseDetachKeys(options.detachKeys);
  if (spec.process.terminal !== true) {
    if (options.interactive === true) throw new RyouikiError('USAGE', "ryouiki start -i needs -t: a detached container's input comes through ryouiki attach, which needs its terminal; add -t");
    return {};
  }
  return { interactive: options.interactive ?? false, ...(options.detachKeys === undefined ? {} : { detachKeys: options.detachKeys }) };
}

/**
 * Starts a container detached, under ryouiki-monitor: records it in
 * state.json with every resource before any is made, prepares and attaches
 * them while the command waits, and resolves once the command has been
 * executed. Nothing of Node.js stays behind: the supervisor holds it now.
 */
export async function start(container: Launchable, options: StartOptions = {}): Promise<StartResult> {
  return startDetached(container, options).catch((error: unknown) => {
    throw asRuntimeError(error);
  });
}

async function startDetached(container: Launchable, options: StartOptions): Promise<StartResult> {
  await pullRequestImage(container, options);
  const plan = toPlan(container, options);
  const terminal = terminalRecord(plan.spec, options);
  const relaunch: RelaunchRecord = {
    ...(plan.network === undefined ? {} : { network: plan.network }),
    ...(plan.hooks === undefined ? {} : { hooks: plan.hooks }),
    logMaxSize: options.logMaxSize ?? DEFAULT_LOG_MAX_SIZE,
    exitCommand: options.exitCommand ?? [],
    ...(options.cgroups === undefined ? {} : { cgroups: options.cgroups }),
  };
  const recorder = containerRecord(plan, options, { supervised: true, terminal, relaunch });
  const pid = await superviseContainer(plan, recorder, { ...options, relaunch, interactive: terminal.interactive === true });
  return new Container(plan.id, recorder.name, pid, options.root === undefined ? {} : { root: options.root });
}

export interface SupervisedOptions extends StoreOptions {
  relaunch: RelaunchRecord;
  /** With a terminal: what `ryouiki attach` types goes to it. */
  interactive: boolean;
  onWarning?: (message: string) => void;
}

/**
 * The one detached launch, of start and restart: prepares the plan's
 * resources, starts the supervisor with the helper under it, and hands the
 * container over once its command runs. Resolves with the init's PID.
 */
export async function superviseContainer(plan: ContainerPlan, recorder: StoreRecorder, options: SupervisedOptions): Promise<number> {
  const { relaunch } = options;
  const launch = launchOf(plan, { ...options, ...(relaunch.cgroups === undefined ? {} : { cgroups: relaunch.cgroups }) }, recorder);
  const spec = await prepareLaunch(launch);
  const dirs = storeDirs(options);
  const root = options.root === undefined ? [] : ['--root', resolve(options.root)];
  const supervisor = await afterPrepare(launch, () => {
    const argv = supervisorArgv(
      spec,
      { files: filesOf(launch.resources) },
      {
        logPath: recorder.logPath,
        logMaxSize: relaunch.logMaxSize,
        exitFile: exitFilePath(dirs, plan.id),
        exitCommand: relaunch.exitCommand.length === 0 ? [] : [...relaunch.exitCommand, ...root, plan.id],
        ...(spec.process.terminal === true ? { attachDir: containerDir(dirs, plan.id), attachStdin: options.interactive } : {}),
        // The network stack holds the other end of the link: the supervisor notices when it ends.
        ...(launch.resources.some((resource) => resource.linkToSupervisor !== undefined) ? { networkFd: LINK_FD, networkFile: networkFilePath(containerDir(dirs, plan.id)) } : {}),
      },
    );
    return spawnSupervisor(launch, argv, 'ignore');
  });
  return superviseLaunch(launch, supervisor, 'exec');
}
