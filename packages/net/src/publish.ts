import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { createServer } from 'node:net';
import { NetError } from './net-error.js';

export type PortProtocol = 'tcp' | 'udp';

/** One -p/--publish: a host address and port forwarded to a port in the container. */
export interface PortMapping {
  /** `0.0.0.0` (every host address) when the spec names none, as podman does. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

const ALL_ADDRESSES = '0.0.0.0';
const SPEC_FORMAT = '[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]';

function invalid(spec: string, reason: string): NetError {
  return new NetError('PUBLISH_INVALID', `--publish ${spec}: ${reason}`);
}

function parsePort(spec: string, text: string, which: string): number {
  if (!/^\d+$/.test(text)) throw invalid(spec, `${which} "${text}" is not a port number: use ${SPEC_FORMAT}`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(spec, `${which} ${text} is out of range: use 1 to 65535`);
  return port;
}

function parseProtocol(spec: string, text: string | undefined): PortProtocol {
  if (text === undefined || text === 'tcp') return 'tcp';
  if (text === 'udp') return 'udp';
  throw invalid(spec, `unknown protocol "${text}": use tcp or udp`);
}

/** Parses one `[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]`. */
export function parsePortMapping(spec: string): PortMapping {
  const [ports = '', protocolText, ...extra] = spec.split('/');
  if (extra.length > 0) throw invalid(spec, `use ${SPEC_FORMAT}`);
  const protocol = parseProtocol(spec, protocolText);
  const parts = ports.split(':');
  if (parts.length < 2 || parts.length > 3) throw invalid(spec, `use ${SPEC_FORMAT}`);
  const [hostIp, hostPort = '', containerPort = ''] = parts.length === 3 ? parts : [ALL_ADDRESSES, ...parts];
  if (hostIp === undefined || !isIPv4(hostIp)) throw invalid(spec, `HOST_IP "${hostIp ?? ''}" is not an IPv4 address`);
  return { hostIp, hostPort: parsePort(spec, hostPort, 'HOST_PORT'), containerPort: parsePort(spec, containerPort, 'CONTAINER_PORT'), protocol };
}

export function describeMapping(mapping: PortMapping): string {
  return `${mapping.hostIp}:${mapping.hostPort}/${mapping.protocol}`;
}

/** Parses every spec and refuses the same host port published twice. */
export function parsePortMappings(specs: string[]): PortMapping[] {
  const mappings = specs.map(parsePortMapping);
  const seen = new Set<string>();
  for (const mapping of mappings) {
    const key = `${mapping.hostPort}/${mapping.protocol}`;
    if (seen.has(key)) throw new NetError('PUBLISH_INVALID', `--publish: host port ${key} is published twice: give each host port once`);
    seen.add(key);
  }
  return mappings;
}

function portBusy(mapping: PortMapping, error: NodeJS.ErrnoException): NetError {
  const where = describeMapping(mapping);
  if (error.code === 'EADDRINUSE') return new NetError('PORT_IN_USE', `--publish: host port ${where} is already in use: choose another host port`);
  if (error.code === 'EACCES') {
    return new NetError('PORT_IN_USE', `--publish: host port ${where} needs privilege: use a port of 1024 or more, or lower sysctl net.ipv4.ip_unprivileged_port_start`);
  }
  if (error.code === 'EADDRNOTAVAIL') return new NetError('PORT_IN_USE', `--publish: ${mapping.hostIp} is not an address of this host: give one of its addresses`);
  return new NetError('PORT_IN_USE', `--publish: cannot bind host port ${where}: ${error.message}`);
}

/** Binds the host port for a moment, as the forwarder will; rejects with why it cannot. */
function probePort(mapping: PortMapping): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => reject(portBusy(mapping, error));
    if (mapping.protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', fail);
      socket.bind({ address: mapping.hostIp, port: mapping.hostPort, exclusive: true }, () => socket.close(() => resolve()));
      return;
    }
    const server = createServer();
    server.once('error', fail);
    server.listen({ host: mapping.hostIp, port: mapping.hostPort, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Refuses, before anything starts, a host port that is taken or that this user may not bind. */
export async function assertPortsFree(mappings: PortMapping[]): Promise<void> {
  for (const mapping of mappings) await probePort(mapping);
}
