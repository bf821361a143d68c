import { readFileSync } from 'node:fs';
import type { Stream } from 'node:stream';
import { NetworkProcess } from './helper-process.js';
import { NetError } from './net-error.js';
import type { NetworkConfig } from './network-mode.js';
import type { PortMapping, PortProtocol } from './publish.js';

const POLL_MS = 20;

export function pastaNotFound(): NetError {
  return new NetError('PASTA_NOT_FOUND', 'pasta is not installed: install the Debian package passt (apt-get install passt), or use --network slirp4netns');
}

/** pasta's -t/-u spec for one protocol: `none`, or `[ADDR/]HOST_PORT:CONTAINER_PORT` joined by commas. */
function portSpec(publish: PortMapping[], protocol: PortProtocol): string {
  const specs = publish.filter((mapping) => mapping.protocol === protocol).map((mapping) => `${mapping.hostIp === '0.0.0.0' ? '' : `${mapping.hostIp}/`}${mapping.hostPort}:${mapping.containerPort}`);
  return specs.length === 0 ? 'none' : specs.join(',');
}

/** How pasta is kept from outliving its owner, since it has no exit fd. */
export type PastaLauncher =
  /** `setpriv --pdeathsig KILL`: it ends with this process, even on SIGKILL. */
  | { kind: 'pdeathsig'; setpriv: string }
  /**
   * A keeper (`ryouiki-monitor --keep-while-fd`) holding our end of a socket
   * pair whose other end a supervisor holds: it ends with the supervisor
   * instead; its stderr then goes to stderrFile.
   */
  | { kind: 'keeper'; keeper: string; supervisorLink: Stream; stderrFile: string };

const KEEPER_LINK_FD = 3;

/**
 * pasta in the foreground. The gateway is not mapped to the host's loopback
 * (--no-map-gw), as slirp4netns' --disable-host-loopback; nothing is
 * forwarded from the container to the host.
 */
export function pastaArgs(pid: number, config: NetworkConfig, publish: PortMapping[]): string[] {
  return [
    '--config-net',
    '--foreground',
    '--quiet',
    '--mtu',
    String(config.mtu),
    '--no-map-gw',
    '-t',
    portSpec(publish, 'tcp'),
    '-u',
    portSpec(publish, 'udp'),
    '-T',
    'none',
    '-U',
    'none',
    String(pid),
  ];
}

/** The program to spawn and its arguments: pasta's, behind the launcher's. */
export function launchCommand(launcher: PastaLauncher, pasta: string, args: string[]): [string, string[]] {
  if (launcher.kind === 'pdeathsig') return [launcher.setpriv, ['--pdeathsig', 'KILL', '--', pasta, ...args]];
  return [launcher.keeper, ['--keep-while-fd', String(KEEPER_LINK_FD), '--', pasta, ...args]];
}

function spawnPasta(launcher: PastaLauncher, pasta: string, args: string[]): NetworkProcess {
  const [program, programArgs] = launchCommand(launcher, pasta, args);
  if (launcher.kind === 'pdeathsig') return new NetworkProcess(program, programArgs, 0);
  return new NetworkProcess(program, programArgs, 1, launcher.stderrFile, { [KEEPER_LINK_FD]: launcher.supervisorLink });
}

/** pasta has no ready fd: it is ready once the namespace has its default route. */
function hasDefaultRoute(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/net/route`, 'utf8')
      .split('\n')
      .slice(1)
      .some((line) => line.split(/\s+/)[1] === '00000000');
  } catch {
    return false;
  }
}

async function waitReady(process: NetworkProcess, pid: number): Promise<void> {
  for (;;) {
    if (hasDefaultRoute(pid)) return;
    if (process.hasExited) {
      throw new NetError('NETWORK_FAILED', `pasta failed: ${process.stderr || `it exited with ${process.child.exitCode ?? process.child.signalCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A running pasta for one container. */
export class Pasta {
  private constructor(private readonly process: NetworkProcess) {}

  static async start(launcher: PastaLauncher, pasta: string, pid: number, config: NetworkConfig, publish: PortMapping[]): Promise<Pasta> {
    const running = new Pasta(spawnPasta(launcher, pasta, pastaArgs(pid, config, publish)));
    try {
      await waitReady(running.process, pid);
      return running;
    } catch (error) {
      await running.stop();
      throw error;
    }
  }

  /** The pid of pasta, or of the keeper that runs it. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** Lets a kept one run on after this process ends. */
  letGo(): void {
    this.process.letGo();
  }
}
