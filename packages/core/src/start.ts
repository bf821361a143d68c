import type { CgroupOptions } from './cgroup/cgroup-system.js';
import { Container } from './container.js';
import type { ContainerState, RelaunchRecord } from './store/container-state.js';
import { parseDetachKeys } from './helper/detach-keys.js';
import { asRuntimeError, RyouikiError } from './errors.js';
import { superviseContainer } from './launch/detached.js';
import { containerRecord, pullRequestImage, toPlan, type Launchable } from './launch/plan.js';
import type { StoreOptions } from './store/paths.js';
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
