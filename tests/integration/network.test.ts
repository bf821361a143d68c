import { createSocket } from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, get, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { listProcessLogPids } from '@ryouiki/logs';
import {
  collect,
  expectNoLeftovers,
  freePort,
  ryouiki,
  isNetworkStack,
  liveProcesses,
  makeTempDir,
  removeDir,
  startRyouiki,
  tenkai,
  testRootfs,
  waitFor,
  type LiveProcess,
  type Outcome,
} from './harness.js';

let work: string;
let store: string;
let storeCount = 0;

beforeAll(() => {
  work = makeTempDir('network');
});
afterAll(() => removeDir(work));
beforeEach(() => {
  store = join(work, `store-${storeCount++}`);
});
afterEach(async () => {
  await stopStillRunning();
  await expectNoLeftovers();
  expectNoRuntimeFiles();
});

/** No API socket, generated file or state folder of a container is left in the store. */
function expectNoRuntimeFiles(): void {
  const run = join(store, 'run');
  if (existsSync(run)) expect(readdirSync(run)).toEqual([]);
}

/** The host port can be taken again: nothing holds it any more. */
async function listenOnce(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function bindUdpOnce(port: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '127.0.0.1', port, exclusive: true }, resolve);
    });
  } finally {
    socket.close();
  }
}

function httpGet(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
      response.on('error', () => resolve(undefined));
    });
    request.on('error', () => resolve(undefined));
  });
}

/** Retries until the server in the container answers (slirp4netns accepts before the guest listens). */
async function fetchWhenUp(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const body = await httpGet(url);
    if (body !== undefined) return body;
    if (attempt === 100) throw new Error(`no answer from ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const started: Array<{ child: ChildProcess; outcome: Promise<Outcome> }> = [];

/** A test that failed half-way must not leave its container to the next tests. */
async function stopStillRunning(): Promise<void> {
  for (const { child, outcome } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await outcome;
  }
}

/** The slirp4netns or pasta of this test's container (its init PID is in the store's process log). */
function networkStacksOfContainer(): LiveProcess[] {
  const [pid] = listProcessLogPids(store);
  return liveProcesses().filter((p) => isNetworkStack(p) && p.cmdline.split(' ').includes(String(pid)));
}

/** A killed tenkai leaves its record (files, network folder, name); the next command sees its owner dead and removes it all. */
async function expectSweptByNextCommand(): Promise<void> {
  expect(readdirSync(join(store, 'run')).length).toBeGreaterThan(0);
  const out = await ryouiki(['ps', '-a', '--root', store]);
  expect(out).toMatchObject({ exitCode: 0, stderr: '' });
  expect(out.stdout.trim().split('\n')).toHaveLength(1);
}

/** Starts `ryouiki tenkai` and resolves once the command has printed `ready`. */
async function startUntilReady(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, ...args], env);
  const outcome = collect(child);
  started.push({ child, outcome });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await waitFor(() => (stdout.includes('ready\n') ? true : undefined), 'the container to print ready');
  return { child, outcome };
}

async function withHostServer<T>(body: string, use: (port: number) => Promise<T>): Promise<T> {
  const server: Server = createHttpServer((_request, response) => response.end(body));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  try {
    return await use((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const SERVE_AND_WAIT = 'mkdir /dev/shm/www && echo "hello from the container" > /dev/shm/www/index.html && httpd -p 8080 -h /dev/shm/www && echo ready && read line';

describe('--network slirp4netns (the default)', () => {
  it('is up before the command starts: tap0 at 10.0.2.100, a default route, resolv.conf naming 10.0.2.3', async () => {
    const out = await tenkai(store, ['--hostname', 'box', '--command', 'ip -4 addr show tap0; ip route; cat /etc/resolv.conf /etc/hosts']);
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/inet 10\.0\.2\.100\/24/);
    expect(out.stdout).toMatch(/tap0: .* mtu 65520/);
    expect(out.stdout).toMatch(/^default via 10\.0\.2\.2 dev tap0/m);
    expect(out.stdout).toMatch(/^nameserver 10\.0\.2\.3$/m);
    expect(out.stdout).toMatch(/^10\.0\.2\.100\tbox$/m);
    expect(out.stdout).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
  });

  it('publishes a container port on a host loopback port', async () => {
    const port = await freePort();
    const { child, outcome } = await startUntilReady(['-p', `127.0.0.1:${port}:8080`, '--command', SERVE_AND_WAIT]);
    expect(await fetchWhenUp(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
    child.stdin?.end('done\n');
    const result: Outcome = await outcome;
    expect(result.exitCode).toBe(0);
    await expect(listenOnce(port)).resolves.toBeUndefined();
  });

  it('publishes a UDP port: slirp4netns holds the host port while the container runs', async () => {
    // busybox has no UDP server to answer with, so this checks the host side of the forward.
    const port = await freePort();
    const { child, outcome } = await startUntilReady(['-p', `127.0.0.1:${port}:9999/udp`, '--command', 'echo ready; read line']);
    await expect(bindUdpOnce(port)).rejects.toThrow(/EADDRINUSE/);
    child.stdin?.end('done\n');
    expect((await outcome).exitCode).toBe(0);
    await expect(bindUdpOnce(port)).resolves.toBeUndefined();
  });

  it('reaches the host loopback through 10.0.2.2 only with allow_host_loopback=true', async () => {
    await withHostServer('from the host', async (port) => {
      const fetchCommand = `wget -q -O - http://10.0.2.2:${port}/ && echo; echo "wget exit $?"`;
      const allowed = await tenkai(store, ['--network', 'slirp4netns:allow_host_loopback=true', '--command', fetchCommand]);
      expect(allowed.stdout).toBe('from the host\nwget exit 0\n');
      const refused = await tenkai(store, ['--command', fetchCommand]);
      expect(refused.stdout).not.toContain('from the host');
      expect(refused.stdout).toMatch(/wget exit [1-9]/);
    });
  });

  it('ends slirp4netns within seconds when ryouiki itself is killed with SIGKILL', async () => {
    const port = await freePort();
    const { child, outcome } = await startUntilReady(['-p', `127.0.0.1:${port}:8080`, '--command', 'echo ready; sleep 300']);
    const slirp = networkStacksOfContainer();
    expect(slirp.map((p) => p.comm)).toEqual(['slirp4netns']);
    child.kill('SIGKILL');
    await outcome;
    const slirpPid = slirp[0]!.pid;
    await waitFor(() => (liveProcesses().some((p) => p.pid === slirpPid) ? undefined : true), `slirp4netns ${slirpPid} to end`, 5000);
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toBeUndefined();
    await expectSweptByNextCommand();
  });
});

describe('--network pasta', () => {
  it('publishes a container port on a host loopback port, and ends pasta with the container', async () => {
    const port = await freePort();
    const { child, outcome } = await startUntilReady(['--network', 'pasta', '-p', `127.0.0.1:${port}:8080`, '--command', SERVE_AND_WAIT]);
    expect(networkStacksOfContainer().map((p) => p.comm)).toEqual([expect.stringMatching(/^(pasta|passt)/)]);
    expect(await fetchWhenUp(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
    child.stdin?.end('done\n');
    expect((await outcome).exitCode).toBe(0);
  });

  it('ends pasta within seconds when ryouiki itself is killed with SIGKILL', async () => {
    const { child, outcome } = await startUntilReady(['--network', 'pasta', '--command', 'echo ready; sleep 300']);
    const pasta = networkStacksOfContainer();
    expect(pasta.map((p) => p.comm)).toEqual([expect.stringMatching(/^(pasta|passt)/)]);
    child.kill('SIGKILL');
    await outcome;
    await waitFor(() => (liveProcesses().some((p) => p.pid === pasta[0]!.pid) ? undefined : true), 'pasta to end', 5000);
    await expectSweptByNextCommand();
  });
});

describe('teardown after a failed start', () => {
  it('leaves no slirp4netns when the command is not found', async () => {
    const port = await freePort();
    const out = await tenkai(store, ['-p', `127.0.0.1:${port}:8080`, '--', '/nonexistent']);
    expect(out.exitCode).toBe(127);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('names', () => {
  it('uses --dns and --add-host, and never writes the rootfs', async () => {
    const before = ['resolv.conf', 'hosts'].map((name) => readFileSync(join(testRootfs(), 'etc', name), 'utf8'));
    const out = await tenkai(store, ['--dns', '192.0.2.53', '--add-host', 'db:10.0.0.5', '--command', 'cat /etc/resolv.conf /etc/hosts; echo x >> /etc/hosts']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^nameserver 192\.0\.2\.53$/m);
    expect(out.stdout).not.toMatch(/10\.0\.2\.3/);
    expect(out.stdout).toMatch(/^10\.0\.0\.5\tdb$/m);
    const after = ['resolv.conf', 'hosts'].map((name) => readFileSync(join(testRootfs(), 'etc', name), 'utf8'));
    expect(after).toEqual(before);
  });

  it('mirrors the host resolv.conf nameservers with --network host', async () => {
    const hostNameservers = readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('nameserver'));
    const out = await tenkai(store, ['--network', 'host', '--command', 'grep ^nameserver /etc/resolv.conf; true']);
    expect(out.stdout.split('\n').filter((line) => line !== '')).toEqual(hostNameservers);
  });
});

describe('network errors: one line, exit 125, nothing left running', () => {
  async function expectRefused(args: string[], message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const out = await collect(startRyouiki(['tenkai', '--path', testRootfs(), '--root', store, ...args, '--command', 'echo started'], env), '');
    expect(out.stdout).toBe('');
    expect(out.exitCode).toBe(125);
    const lines = out.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    if (existsSync(join(store, 'binding_vow'))) expect(readdirSync(join(store, 'binding_vow'))).toEqual([]);
  }

  it('refuses a host port already in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expectRefused(['-p', `127.0.0.1:${port}:8080`], new RegExp(`^ryouiki: --publish: host port 127\\.0\\.0\\.1:${port}/tcp is already in use: choose another host port$`));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each([
    ['8080', /^ryouiki: --publish 8080: use \[HOST_IP:\]HOST_PORT:CONTAINER_PORT\[\/tcp\|\/udp\]$/],
    ['127.0.0.1:8080:70000', /^ryouiki: --publish 127\.0\.0\.1:8080:70000: CONTAINER_PORT 70000 is out of range: use 1 to 65535$/],
    ['127.0.0.1:0:80', /^ryouiki: --publish 127\.0\.0\.1:0:80: HOST_PORT 0 is out of range: use 1 to 65535$/],
    ['127.0.0.1:8080:80/sctp', /^ryouiki: --publish 127\.0\.0\.1:8080:80\/sctp: unknown protocol "sctp": use tcp or udp$/],
  ])('refuses --publish %s', async (spec, message) => {
    await expectRefused(['-p', spec], message);
  });

  it('refuses --publish with --network none', async () => {
    await expectRefused(['--network', 'none', '-p', '127.0.0.1:8080:80'], /^ryouiki: --publish needs --network slirp4netns or pasta, not --network none$/);
  });

  it('names the Debian package when slirp4netns is missing', async () => {
    await expectRefused([], /^ryouiki: slirp4netns is not installed: install the Debian package slirp4netns \(apt-get install slirp4netns\), or use --network none$/, {
      RYOUIKI_SLIRP4NETNS: join(work, 'no-slirp4netns'),
    });
  });

  it('names the Debian package when pasta is missing', async () => {
    await expectRefused(['--network', 'pasta'], /^ryouiki: pasta is not installed: install the Debian package passt \(apt-get install passt\), or use --network slirp4netns$/, {
      RYOUIKI_PASTA: join(work, 'no-pasta'),
    });
  });

  it('refuses bad --network options, --dns and --add-host', async () => {
    await expectRefused(
      ['--network', 'slirp4netns:allow_host_loopback=maybe'],
      /^ryouiki: --network slirp4netns: allow_host_loopback=maybe: use allow_host_loopback=true or allow_host_loopback=false$/,
    );
    await expectRefused(['--dns', 'example.org'], /^ryouiki: --dns example\.org: not an IP address/);
    await expectRefused(['--add-host', 'db'], /^ryouiki: --add-host db: "" is not an IP address: use NAME:IP$/);
  });
});
