#!/usr/bin/env node
// Network benchmark (make bench): start latency and the throughput of a
// transfer from the host to a published port, for ryouiki with slirp4netns and
// pasta, side by side with rootless podman where it is installed, printed as
// ratios. A benchmark, not a test: it asserts nothing. Run as an unprivileged
// user; it touches only 127.0.0.1. Usage: node bench/network.mjs [MiB] [RUNS] [--out FILE]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const top = fileURLToPath(new URL('..', import.meta.url));
const ryouiki = join(top, 'bin', 'ryouiki');
const { values: cli, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
const sizeMiB = Number(positionals[0] ?? 1024);
const runs = Number(positionals[1] ?? 10);
const skipped = [];
const work = mkdtempSync(join(tmpdir(), 'ryouiki-bench-'));

function makeRootfs(name) {
  const dir = join(work, name);
  execFileSync(join(top, 'scripts', 'make-busybox-rootfs.sh'), [dir]);
  return dir;
}

function hasProgram(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The command line of each runtime for: network mode, published ports, shell command. */
function runtimes() {
  const rootfs = makeRootfs('rootfs');
  const store = join(work, 'store');
  const ryouikiRun = (network) => (publish, command) => [ryouiki, ['tenkai', '--path', rootfs, '--root', store, '--network', network, ...publish.flatMap((p) => ['-p', p]), '--command', command]];
  const list = [
    { name: 'ryouiki none', run: ryouikiRun('none'), publishes: false },
    { name: 'ryouiki slirp4netns', run: ryouikiRun('slirp4netns') },
  ];
  if (hasProgram('pasta')) list.push({ name: 'ryouiki pasta', run: ryouikiRun('pasta') });
  else skipped.push('ryouiki pasta: pasta is not installed (apt-get install passt)');
  if (!hasProgram('podman')) skipped.push('podman: not installed (apt-get install podman)');
  else {
    // podman writes into a --rootfs, so it gets a copy of its own. crun, podman's
    // default runtime, cannot start containers on hybrid cgroups: runc where installed.
    const podmanRootfs = makeRootfs('podman-rootfs');
    const runtime = hasProgram('runc') ? ['--runtime', 'runc'] : [];
    const podman = (network) => (publish, command) => ['podman', ['run', '--rm', ...runtime, '--network', network, ...publish.flatMap((p) => ['-p', p]), '--rootfs', podmanRootfs, '/bin/sh', '-c', command]];
    list.push({ name: 'podman slirp4netns (rootlessport)', run: podman('slirp4netns') });
    list.push({ name: 'podman slirp4netns:port_handler=slirp4netns', run: podman('slirp4netns:port_handler=slirp4netns') });
  }
  return list;
}

function start([program, args]) {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: work });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startLatency(runtime) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const begin = now();
    const { code, stderr } = await start(runtime.run([], 'true')).done;
    if (code !== 0) throw new Error(`${runtime.name}: exit ${code}: ${stderr.trim()}`);
    times.push(now() - begin);
  }
  return median(times);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends sizeMiB to the port and resolves with the seconds until the container reports every byte. */
function send(port) {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  return new Promise((resolve, reject) => {
    let reply = '';
    const begin = now();
    const socket = connect({ host: '127.0.0.1', port }, () => {
      let sent = 0;
      const pump = () => {
        while (sent < sizeMiB) {
          sent++;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    });
    socket.setEncoding('utf8').on('data', (data) => (reply += data));
    socket.on('error', reject);
    socket.on('close', () => (Number(reply.trim()) === sizeMiB << 20 ? resolve((now() - begin) / 1000) : reject(new Error(`received ${reply.trim() || 'nothing'}`))));
  });
}

async function throughput(runtime) {
  const port = await freePort();
  const container = start(runtime.run([`127.0.0.1:${port}:8080`], 'echo ready; nc -l -p 8080 -e wc -c'));
  while (!container.stdout().includes('ready')) {
    if (container.child.exitCode !== null) throw new Error(`${runtime.name} ended early`);
    await sleep(20);
  }
  await sleep(300); // nc listening
  const seconds = await send(port);
  await container.done;
  return sizeMiB / seconds;
}

function ratio(value, base) {
  return base === undefined ? 'n/a' : (value / base).toFixed(2);
}

async function main() {
  const list = runtimes();
  const podmanBase = list.find((runtime) => runtime.name.startsWith('podman slirp4netns (rootlessport)'));
  console.log(`start latency: median of ${runs} runs of 'true'; throughput: ${sizeMiB} MiB from the host to a published 127.0.0.1 port`);
  const results = [];
  for (const runtime of list) {
    const latency = await startLatency(runtime);
    const rate = runtime.publishes === false ? undefined : await throughput(runtime);
    results.push({ name: runtime.name, latency, rate });
  }
  const base = results.find((result) => result.name === podmanBase?.name);
  const slirpHostfwd = results.find((result) => result.name.includes('port_handler=slirp4netns'));
  console.log('runtime'.padEnd(46), 'start ms'.padStart(9), 'MiB/s'.padStart(8), ' start/podman  MiB/s/podman  MiB/s/podman(slirp hostfwd)');
  for (const result of results) {
    console.log(
      result.name.padEnd(46),
      result.latency.toFixed(0).padStart(9),
      (result.rate?.toFixed(0) ?? '-').padStart(8),
      ` ${ratio(result.latency, base?.latency).padStart(12)}  ${(result.rate === undefined ? '-' : ratio(result.rate, base?.rate)).padStart(12)}  ${(result.rate === undefined ? '-' : ratio(result.rate, slirpHostfwd?.rate)).padStart(12)}`,
    );
  }
  for (const reason of skipped) console.log(`skipped: ${reason}`);
  const slirp = results.find((result) => result.name === 'ryouiki slirp4netns');
  const targets = [];
  if (base !== undefined && slirp !== undefined) {
    targets.push({ target: 'ryouiki slirp4netns start <= 1 x podman', value: `${ratio(slirp.latency, base.latency)} x`, met: slirp.latency <= base.latency });
    targets.push({ target: 'ryouiki slirp4netns MiB/s >= 0.9 x podman', value: `${ratio(slirp.rate, base.rate)} x`, met: slirp.rate >= 0.9 * base.rate });
  }
  if (cli.out) {
    mkdirSync(dirname(resolve(cli.out)), { recursive: true });
    const report = { part: 'network', date: new Date().toISOString(), runs, sizeMiB, skipped, results: results.map(({ name, latency, rate }) => ({ name, startMs: latency, mibPerSecond: rate })), targets };
    writeFileSync(cli.out, `${JSON.stringify(report, null, 2)}\n`);
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
