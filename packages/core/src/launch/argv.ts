import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerFiles } from './container-files.js';
import { aboutFile } from '../errors.js';
import { helperArgs, helperPath } from '../helper/helper.js';
import { monitorArgs, monitorPath, type MonitorArgs } from '../helper/monitor.js';
import type { ContainerSpec } from '../spec/spec.js';
import type { TerminalOptions } from '../helper/terminal.js';
import { BLOCK_FD, GATE_FD, INFO_FD } from './fds.js';

/** How an OCI runtime's container differs: the engine's rootfs, the start fifo as exec gate, a helper that leaves once the command runs. */
export interface EngineOptions {
  /** The helper stays the init's parent until the command ends (OCI run in the foreground). */
  foreground: boolean;
}

export interface HelperArgvOptions extends TerminalOptions {
  files: ContainerFiles;
  engine?: EngineOptions;
}

/** The helper's program and argv: the one place its fds and flags are put together. */
export function helperArgv(spec: ContainerSpec, options: HelperArgvOptions): string[] {
  // The rootfs of a bundle is the engine's container layer: mount points are made in it, as runc and crun do.
  const engine = options.engine === undefined ? [] : ['--engine-rootfs', '--exec-gate-fd', String(GATE_FD), ...(options.engine.foreground ? [] : ['--detach'])];
  const { files, interactive, consoleSocket } = options;
  return [helperPath(), ...engine, ...helperArgs(spec, { infoFd: INFO_FD, blockFd: BLOCK_FD, files, interactive, consoleSocket })];
}

/**
 * The container's environment for the supervisor to hand the helper: a 0600
 * file in the container's private folder, never a command line, so a value
 * is limited only by the kernel's limit on an environment.
 */
export function writeHelperEnv(files: ContainerFiles, spec: ContainerSpec): string {
  const path = join(files.dir, 'helper.env');
  try {
    writeFileSync(path, spec.process.env.map((entry) => `${entry}\0`).join(''), { mode: 0o600 });
  } catch (error) {
    throw aboutFile(error, path);
  }
  return path;
}

/** The supervisor's program and argv, the helper's after `--`. */
export function supervisorArgv(spec: ContainerSpec, helper: HelperArgvOptions, monitor: Omit<MonitorArgs, 'syncFd' | 'blockFd' | 'helper' | 'helperEnvFile'>): string[] {
  return [monitorPath(), ...monitorArgs({ ...monitor, syncFd: INFO_FD, blockFd: BLOCK_FD, helper: helperArgv(spec, helper), helperEnvFile: writeHelperEnv(helper.files, spec) })];
}
