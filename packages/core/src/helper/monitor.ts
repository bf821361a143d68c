import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedBinary } from './shipped-binary.js';

/** ryouiki-monitor, the supervisor of detached containers: RYOUIKI_MONITOR, else `helper/ryouiki-monitor` of this checkout. */
export function monitorPath(env: NodeJS.ProcessEnv = process.env): string {
  return shippedBinary('ryouiki-monitor', 'RYOUIKI_MONITOR', env);
}

export interface MonitorArgs {
  /** The container log (ryouiki start); without it, the command's output goes to the supervisor's own stdio (an OCI engine's). */
  logPath?: string;
  logMaxSize?: number;
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
  /**
   * The supervisor's end of the socket pair whose other end the network stack
   * (slirp4netns' exit fd, pasta's keeper) holds: once it ends, the supervisor
   * writes networkFile (see readNetworkLoss).
   */
  networkFd?: number;
  networkFile?: string;
  /** The OCI start fifo the supervisor makes and opens for the helper's exec gate. */
  startFifo?: string;
  /** Where the supervisor keeps the helper's lines, for OCI start and state. */
  infoFile?: string;
}

/** The supervisor's argv: its own flags, then the helper and the helper's argv after `--`. */
export function monitorArgs(args: MonitorArgs): string[] {
  const output = args.logPath === undefined ? ['--inherit-stdio'] : ['--log', args.logPath, '--log-max-size', String(args.logMaxSize ?? 0)];
  const flags = [...output, '--exit-file', args.exitFile, '--sync-fd', String(args.syncFd), '--block-fd', String(args.blockFd)];
  if (args.startFifo !== undefined) flags.push('--start-fifo', args.startFifo);
  if (args.infoFile !== undefined) flags.push('--info-file', args.infoFile);
  const [program, ...rest] = args.exitCommand;
  if (program !== undefined) flags.push('--exit-command', program, ...rest.flatMap((arg) => ['--exit-arg', arg]));
  if (args.helperEnvFile !== undefined) flags.push('--helper-env-file', args.helperEnvFile);
  if (args.attachDir !== undefined) flags.push('--attach-dir', args.attachDir, ...(args.attachStdin === true ? ['--attach-stdin'] : []));
  if (args.networkFd !== undefined && args.networkFile !== undefined) flags.push('--network-fd', String(args.networkFd), '--network-file', args.networkFile);
  return [...flags, '--', ...args.helper];
}

/** Where a detached container's supervisor records that its network stack has ended. */
export function networkFilePath(containerDir: string): string {
  return join(containerDir, 'network-lost');
}

/** When the supervisor saw the network stack end (killed, crashed), if it did. */
export function readNetworkLoss(containerDir: string): string | undefined {
  try {
    const value = JSON.parse(readFileSync(networkFilePath(containerDir), 'utf8')) as { networkLostAt?: unknown };
    return typeof value.networkLostAt === 'string' ? value.networkLostAt : undefined;
  } catch {
    return undefined;
  }
}
