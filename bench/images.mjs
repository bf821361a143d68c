#!/usr/bin/env node
// Image speed side by side, in one run (never a timed assertion): pulls of
// the Debian minbase image from a local docker-registry by ryouiki, by
// `skopeo copy` to a folder and by `podman pull`, in turn; then `run --rm
// IMAGE true` by ryouiki and podman (--runtime runc: crun cannot run here),
// both --network none, in turn. Run as the test user (make bench-images;
// BENCH_IMAGE_PULLS and BENCH_IMAGE_RUNS set the rounds). A missing
// docker-registry, skopeo, podman or Debian tree is named as skipped.
// Usage: node bench/images.mjs [--pulls N] [--runs N] [--out FILE]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { which } from './peers.mjs';
import { formatMs, formatTable, median } from './stats.mjs';

const RYOUIKI = resolve(fileURLToPath(new URL('../bin/ryouiki', import.meta.url)));
const DEBIAN = `/var/cache/ryouiki-test/debian-bookworm-${userInfo().username}`;
const { values: cli } = parseArgs({ options: { pulls: { type: 'string', default: '3' }, runs: { type: 'string', default: '5' }, out: { type: 'string' } } });
const PULL_RUNS = Math.max(1, Number(cli.pulls));
const RUNS = Math.max(1, Number(cli.runs));
/** GNU time, for the CPU time of each contender and the processes it waited for. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const work = mkdtempSync(join(tmpdir(), 'ryouiki-bench-images-'));

const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function subordinate(file) {
  const line = readFileSync(file, 'utf8').split('\n').find((entry) => entry.startsWith(`${userInfo().username}:`));
  if (line === undefined) throw new Error(`bench-images: ${userInfo().username} has no range in ${file}`);
  return line.split(':');
}

/** The Debian tree as one gzip layer of an OCI layout, its owners as a container sees them. */
function debianLayout(dir) {
  const [, uidStart, uidCount] = subordinate('/etc/subuid');
  const [, gidStart, gidCount] = subordinate('/etc/subgid');
  const tar = execFileSync('unshare', ['--map-root-user', `--map-users=${uidStart},1,${uidCount}`, `--map-groups=${gidStart},1,${gidCount}`,
    'tar', '--numeric-owner', '-C', DEBIAN, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (data) => {
    const digest = sha256(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(gzipSync(tar)) };
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/bash'] }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
  const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [layer] }));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  return layer.size;
}

function freePort() {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function startRegistry() {
  const port = await freePort();
  const config = join(work, 'registry.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.ok, () => false)) return { port, child };
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill();
  throw new Error('bench-images: docker-registry did not start');
}

// podman of the bench's own: storage, runtime folder and config under one HOME, removed at the end.
const podmanHome = join(work, 'podman-home');
const podmanEnv = { PATH: process.env.PATH, HOME: podmanHome, XDG_RUNTIME_DIR: join(podmanHome, 'run'), XDG_CONFIG_HOME: join(podmanHome, 'config'), XDG_DATA_HOME: join(podmanHome, 'data'), LANG: 'C.UTF-8' };
mkdirSync(podmanEnv.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
const podmanFlags = ['--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];

/** Runs a program to its end: its wall time, and its CPU time (user + system, its waited-for children too) where GNU time is. */
function timed(program, args) {
  const cpuFile = join(work, 'cpu');
  const argv = TIME === undefined ? [program, ...args] : [TIME, '-f', '%U %S', '-o', cpuFile, program, ...args];
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: program === 'podman' ? podmanEnv : process.env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`bench-images: ${program} ${args.join(' ')} failed: ${result.stderr}`);
  if (TIME === undefined) return { ms };
  const [user, system] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { ms, cpuMs: (user + system) * 1000 };
}

/** The contender at index `round` goes first in that round: the first one after the previous round's removals pays most for them (ext4 passing over recently freed inodes). */
function inTurn(contenders, round) {
  const first = round % contenders.length;
  return [...contenders.slice(first), ...contenders.slice(0, first)];
}

/** Each contender's samples, round after round in turn, with `between` after every round but the last. */
function measure(contenders, rounds, between = () => undefined) {
  const samples = new Map(contenders.map((contender) => [contender.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of inTurn(contenders, round)) samples.get(contender.name).push(timed(contender.program, contender.args));
    if (round + 1 < rounds) between();
  }
  return samples;
}

function summary(name, samples) {
  const cpu = samples.every((sample) => sample.cpuMs !== undefined) ? median(samples.map((sample) => sample.cpuMs)) : undefined;
  const ms = samples.map((sample) => Math.round(sample.ms));
  return { name, rounds: samples.length, medianMs: median(ms), medianCpuMs: cpu === undefined ? undefined : Math.round(cpu), samplesMs: ms };
}

/** The median of the rounds' ratios, ours to the reference's (paired rounds), as one target. */
function ratioTarget(samples, ours, reference, limit) {
  const ratio = median(samples.get(ours).map((sample, round) => sample.ms / samples.get(reference)[round].ms));
  return { target: `${ours} <= ${limit} x ${reference}`, value: `${ratio.toFixed(2)} x`, met: ratio <= limit };
}

/** Why the pulls cannot be measured here, or undefined. */
function missingForPulls() {
  if (!which('docker-registry')) return 'pull and run: docker-registry is not installed (apt-get install docker-registry)';
  if (!which('skopeo')) return 'pull and run: skopeo, which puts the image in the registry, is not installed (apt-get install skopeo)';
  if (!existsSync(DEBIAN)) return `pull and run: no Debian tree at ${DEBIAN} (as root: scripts/make-debian-rootfs.sh ${userInfo().username})`;
  return undefined;
}

const skipped = [];
const results = [];
const targets = [];
const hasPodman = which('podman') !== undefined;
let registry;
let layerSize;
try {
  const missing = missingForPulls();
  if (missing !== undefined) skipped.push(missing);
  if (!hasPodman) skipped.push('podman pull and podman run: podman is not installed (apt-get install podman); their targets are not checked');
  if (missing === undefined) {
    layerSize = debianLayout(join(work, 'layout'));
    registry = await startRegistry();
    const image = `127.0.0.1:${registry.port}/debian:bench`;
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${join(work, 'layout')}`, `docker://${image}`]);

    // Each round into empty stores, so a change of the machine's load meets every contender.
    const store = join(work, 'ryouiki-store');
    const pullers = [
      { name: 'ryouiki pull', program: RYOUIKI, args: ['pull', '-q', '--tls-verify=false', '--root', store, image] },
      { name: 'skopeo copy to a dir', program: 'skopeo', args: ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `dir:${join(work, 'skopeo-dir')}`] },
    ];
    if (hasPodman) pullers.push({ name: 'podman pull', program: 'podman', args: [...podmanFlags, 'pull', '-q', '--tls-verify=false', image] });
    const pulls = measure(pullers, PULL_RUNS, () => {
      timed(RYOUIKI, ['rmi', '--root', store, image]);
      rmSync(join(work, 'skopeo-dir'), { recursive: true, force: true });
      if (hasPodman) timed('podman', [...podmanFlags, 'rmi', image]);
    });
    results.push(...pullers.map((puller) => ({ case: 'pull', ...summary(puller.name, pulls.get(puller.name)) })));
    if (hasPodman) targets.push(ratioTarget(pulls, 'ryouiki pull', 'podman pull', 1));

    const runners = [{ name: 'ryouiki run --rm', program: RYOUIKI, args: ['run', '--rm', '--root', store, '--network', 'none', image, 'true'] }];
    if (hasPodman) runners.push({ name: 'podman run --rm --runtime runc', program: 'podman', args: [...podmanFlags, 'run', '--rm', '--network', 'none', '--runtime', 'runc', image, 'true'] });
    for (const runner of runners) timed(runner.program, runner.args);
    const runs = measure(runners, RUNS);
    results.push(...runners.map((runner) => ({ case: 'run --rm IMAGE true', ...summary(runner.name, runs.get(runner.name)) })));
    if (hasPodman) targets.push(ratioTarget(runs, 'ryouiki run --rm', 'podman run --rm --runtime runc', 0.5));
    spawnSync(RYOUIKI, ['image', 'prune', '--all', '--root', store], { stdio: 'ignore' });

    console.log(`Debian minbase image, one ${(layerSize / 2 ** 20).toFixed(1)} MiB gzip layer, from docker-registry on 127.0.0.1; load average ${loadavg()[0].toFixed(1)} at the end`);
    const cpu = (result) => (result.medianCpuMs === undefined ? '' : formatMs(result.medianCpuMs));
    console.log(formatTable(['case', 'contender', 'median', 'median CPU'], results.map((result) => [result.case, `${result.name} (${result.rounds} rounds)`, formatMs(result.medianMs), cpu(result)])));
  }
  for (const reason of skipped) console.log(`skipped: ${reason}`);
  console.log(`\nTargets\n${formatTable(['target', 'measured', 'met'], targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'MISSED']))}`);
  if (cli.out) {
    const report = { part: 'images', date: new Date().toISOString(), loadAverage: loadavg()[0], layerBytes: layerSize, skipped, results, targets };
    mkdirSync(dirname(resolve(cli.out)), { recursive: true });
    writeFileSync(cli.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${cli.out}`);
  }
} finally {
  if (registry !== undefined && registry.child.exitCode === null && registry.child.signalCode === null) {
    const exited = once(registry.child, 'exit');
    registry.child.kill();
    await exited;
  }
  if (hasPodman) {
    const pausePidFile = join(podmanEnv.XDG_RUNTIME_DIR, 'libpod', 'tmp', 'pause.pid');
    const pausePid = existsSync(pausePidFile) ? Number(readFileSync(pausePidFile, 'utf8')) : undefined;
    spawnSync('podman', [...podmanFlags, 'system', 'reset', '--force'], { stdio: 'ignore', env: podmanEnv });
    if (pausePid !== undefined) spawnSync('kill', ['-KILL', String(pausePid)], { stdio: 'ignore' });
  }
  rmSync(work, { recursive: true, force: true });
}
