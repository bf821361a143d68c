import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { assertPortsFree, parsePortMapping, parsePortMappings } from './publish.js';

describe('--publish specs', () => {
  it('reads HOST_PORT:CONTAINER_PORT on every address, tcp by default', () => {
    expect(parsePortMapping('8080:80')).toEqual({ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  });

  it('reads a host address and a protocol', () => {
    expect(parsePortMapping('127.0.0.1:5353:53/udp')).toEqual({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' });
    expect(parsePortMapping('127.0.0.1:1:65535/tcp').containerPort).toBe(65535);
  });

  it.each([
    ['80', '--publish 80: use [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]'],
    ['a:b:c:d', '--publish a:b:c:d: use [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]'],
    ['8080:80/sctp', '--publish 8080:80/sctp: unknown protocol "sctp": use tcp or udp'],
    ['8080:80/tcp/x', '--publish 8080:80/tcp/x: use [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]'],
    ['0:80', '--publish 0:80: HOST_PORT 0 is out of range: use 1 to 65535'],
    ['8080:65536', '--publish 8080:65536: CONTAINER_PORT 65536 is out of range: use 1 to 65535'],
    ['http:80', '--publish http:80: HOST_PORT "http" is not a port number: use [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]'],
    ['localhost:8080:80', '--publish localhost:8080:80: HOST_IP "localhost" is not an IPv4 address'],
  ])('refuses %s', (spec, message) => {
    expect(() => parsePortMapping(spec)).toThrow(message);
  });

  it('refuses the same host port twice, but allows it once per protocol', () => {
    expect(() => parsePortMappings(['8080:80', '127.0.0.1:8080:81'])).toThrow('--publish: host port 8080/tcp is published twice');
    expect(parsePortMappings(['8080:80', '8080:80/udp'])).toHaveLength(2);
  });
});

describe('host port check', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('refuses a host port that is taken, and accepts it once free', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (server.address() as { port: number }).port;
    const mapping = parsePortMapping(`127.0.0.1:${port}:80`);
    await expect(assertPortsFree([mapping])).rejects.toThrow(`--publish: host port 127.0.0.1:${port}/tcp is already in use: choose another host port`);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(assertPortsFree([mapping])).resolves.toBeUndefined();
  });
});
