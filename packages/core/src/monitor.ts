import { shippedBinary } from './shipped-binary.js';

/** ryouiki-monitor, the supervisor of detached containers: RYOUIKI_MONITOR, else `helper/ryouiki-monitor` of this checkout. */
export function monitorPath(env: NodeJS.ProcessEnv = process.env): string {
  return shippedBinary('ryouiki-monitor', 'RYOUIKI_MONITOR', env);
}

export interface MonitorArgs {
  logPath: string;
  logMaxSize: number;
  exitFile: string;
  syncFd: number;
  blockFd: number;
  exitCommand: string[];
  helper: string[];
  /** A private file of the container's environment (NUL-separated KEY=VALUE), read and removed by the monitor. */
  helperEnvFile?: string;
  /** The container has a terminal: the monitor holds its master and serves ATTACH_DIR/attach. */
  attachDir?: string;
  /** With attachDir: the attach clients' keys go to the terminal. */
  attachStdin?: boolean;
}

/** The supervisor's argv: its own flags, then the helper and the helper's argv after `--`. */
export function monitorArgs(args: MonitorArgs): string[] {
  const flags = ['--log', args.logPath, '--log-max-size', String(args.logMaxSize), '--exit-file', args.exitFile, '--sync-fd', String(args.syncFd), '--block-fd', String(args.blockFd)];
  const [program, ...rest] = args.exitCommand;
  if (program !== undefined) flags.push('--exit-command', program, ...rest.flatMap((arg) => ['--exit-arg', arg]));
  if (args.helperEnvFile !== undefined) flags.push('--helper-env-file', args.helperEnvFile);
  if (args.attachDir !== undefined) flags.push('--attach-dir', args.attachDir, ...(args.attachStdin === true ? ['--attach-stdin'] : []));
  return [...flags, '--', ...args.helper];
}
