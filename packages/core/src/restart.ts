import { inspectContainer, stopContainer } from './store/container-control.js';
import { settleContainer } from './store/container-end.js';
import { findContainerId } from './store/container-lookup.js';
import type { ContainerPlan } from './spec/container-options.js';
import type { ContainerState, RelaunchRecord } from './store/container-state.js';
import { asRuntimeError, RyouikiError } from './errors.js';
import { RestartRecorder } from './launch/record.js';
import type { Warn } from './launch/resource.js';
import { withoutBindFiles } from './launch/network-spec.js';
import type { StoreOptions } from './store/paths.js';
import { storeDirs } from './store/runtime-dir.js';
import { superviseContainer } from './launch/detached.js';

export interface RestartOptions extends StoreOptions {
  /** What the supervisor runs once the container has ended, instead of what start was given (the CLI gives its own `ryouiki cleanup`). */
  exitCommand?: string[];
  onWarning?: Warn;
}

/** What a container's record holds to start it again, or why it cannot be. */
function relaunchOf(state: ContainerState, query: string): RelaunchRecord {
  if (state.autoRemove) throw new RyouikiError('USAGE', `container ${query} was started with --rm: it is removed once stopped, so it cannot be restarted; start a new one`);
  if (state.status === 'created') throw new RyouikiError('CONTAINER_RUNNING', `container ${query} is still being started: restart it once it runs`);
  if (state.relaunch === undefined) throw new RyouikiError('USAGE', `container ${query} was started by a ryouiki that did not record how to start it again: remove it and start a new one`);
  return state.relaunch;
}

/** The spec a container was planned with: the one its record holds, without the files its last network bound in. */
function planOf(state: ContainerState, relaunch: RelaunchRecord): ContainerPlan {
  return {
    id: state.id,
    name: state.name,
    spec: withoutBindFiles(state.spec),
    commandLabel: state.command,
    ...(relaunch.network === undefined ? {} : { network: relaunch.network }),
    ...(relaunch.hooks === undefined ? {} : { hooks: relaunch.hooks }),
    warnings: [],
  };
}

/**
 * Stops a running container (SIGTERM, then SIGKILL after timeoutSeconds) and
 * starts it again through start()'s pipeline from its record: the same id,
 * name, spec, network, published ports, limits and log. A stopped container
 * is just started. Resolves with its state once its command runs again.
 */
export async function restartContainer(query: string, timeoutSeconds = 10, options: RestartOptions = {}): Promise<ContainerState> {
  try {
    const dirs = storeDirs(options);
    const id = findContainerId(dirs, query);
    const current = await settleContainer(dirs, id);
    if (current === undefined) throw new RyouikiError('CONTAINER_NOT_FOUND', `no container ${query}: it was just removed`);
    const recorded = relaunchOf(current, query);
    const stopped = current.status === 'stopped' ? current : await stopContainer(id, timeoutSeconds, options);
    if (stopped === undefined) throw new RyouikiError('CONTAINER_NOT_FOUND', `no container ${query}: it was removed while it stopped`);
    // Recorded as stopped, the run has ended for good: its supervisor writes the exit file only once its
    // log is complete and its sockets are gone (or it was killed). Its exit command may still run; it
    // finds the container settled, or, once the new run is recorded, not ended.
    const relaunch = { ...recorded, ...(options.exitCommand === undefined ? {} : { exitCommand: options.exitCommand }) };
    const recorder = new RestartRecorder(dirs, { ...stopped, relaunch }, true);
    await superviseContainer(planOf(stopped, relaunch), recorder, {
      ...options,
      relaunch,
      interactive: stopped.interactive === true,
    });
    return await inspectContainer(id, options);
  } catch (error) {
    throw asRuntimeError(error);
  }
}
