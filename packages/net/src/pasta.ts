import { readFileSync } from 'node:fs';
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
  const specs = publish
    .filter((mapping) => mapping.protocol === protocol)
    .map((mapping) => `${mapping.hostIp === '0.0.0.0' ? '' : `${mapping.hostIp}/`}${mapping.hostPort}:${mapping.containerPort}`);
  return specs.length === 0 ? 'none' : specs.join(',');
}

/**
 * pasta in the foreground, under `setpriv --pdeathsig KILL` because it has no
 * exit fd: it ends with this process even on SIGKILL. The gateway is not
 * mapped to the host's loopback (--no-map-gw), as slirp4netns'
 * --disable-host-loopback; nothing is forwarded from the container to the host.
 */
export function pastaArgs(pasta: string, pid: number, config: NetworkConfig, publish: PortMapping[]): string[] {
  return [
    '--pdeathsig', 'KILL', '--', pasta,
    '--config-net', '--foreground', '--quiet', '--mtu', String(config.mtu), '--no-map-gw',
    '-t', portSpec(publish, 'tcp'), '-u', portSpec(publish, 'udp'), '-T', 'none', '-U', 'none',
    String(pid),
  ];
}

/** pasta has no ready fd: it is ready once the namespace has its default route. */
function hasDefaultRoute(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/net/route`, 'utf8').split('\n').slice(1).some((line) => line.split(/\s+/)[1] === '00000000');
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

  static async start(setpriv: string, pasta: string, pid: number, config: NetworkConfig, publish: PortMapping[]): Promise<Pasta> {
    const running = new Pasta(new NetworkProcess(setpriv, pastaArgs(pasta, pid, config, publish), 0));
    try {
      await waitReady(running.process, pid);
      return running;
    } catch (error) {
      await running.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
