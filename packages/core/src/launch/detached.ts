import { resolve } from 'node:path';
import { networkFilePath } from '../helper/monitor.js';
import type { ContainerPlan } from '../spec/container-options.js';
import { containerDir, exitFilePath, type RelaunchRecord } from '../store/container-state.js';
import type { StoreOptions } from '../store/paths.js';
import { storeDirs } from '../store/runtime-dir.js';
import { supervisorArgv } from './argv.js';
import { LINK_FD } from './fds.js';
import { afterPrepare, prepareLaunch, spawnSupervisor, superviseLaunch } from './pipeline.js';
import { launchOf } from './plan.js';
import type { StoreRecorder } from './record.js';
import { filesOf } from './resources.js';

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
