// Image speed side by side, in one run (never a timed assertion): pulls of
// the Debian minbase image from a local docker-registry by ryouiki, by
// `skopeo copy` to a folder and by `podman pull`, in turn; then `run --rm
// IMAGE true` by ryouiki and podman (--runtime runc: crun cannot run here),
// both --network none, in turn. Run as the test user (make bench-images;
// BENCH_IMAGE_PULLS and BENCH_IMAGE_RUNS set the rounds).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const RYOUIKI = resolve(fileURLToPath(new URL('../bin/ryouiki', import.meta.url)));
const DEBIAN = `/var/cache/ryouiki-test/debian-bookworm-${userInfo().username}`;
const RUNS = Number(process.env.BENCH_IMAGE_RUNS ?? 5);
const PULL_RUNS = Number(process.env.BENCH_IMAGE_PULLS ?? 3);
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

function timed(program, args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: program === 'podman' ? podmanEnv : process.env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`bench-images: ${program} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const rows = [];
const ratios = [];
let registry;
try {
  const layerSize = debianLayout(join(work, 'layout'));
  registry = await startRegistry();
  const image = `127.0.0.1:${registry.port}/debian:bench`;
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${join(work, 'layout')}`, `docker://${image}`]);

  // Each round in turn (ryouiki, skopeo, podman), each into an empty store, so a change of the
  // machine's load meets all three; the medians and the median of the rounds' ratios are printed.
  const store = join(work, 'ryouiki-store');
  const pulls = { ryouiki: [], skopeo: [], podman: [] };
  for (let round = 0; round < PULL_RUNS; round++) {
    pulls.ryouiki.push(timed(RYOUIKI, ['pull', '-q', '--tls-verify=false', '--root', store, image]));
    pulls.skopeo.push(timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `dir:${join(work, 'skopeo-dir')}`]));
    pulls.podman.push(timed('podman', [...podmanFlags, 'pull', '-q', '--tls-verify=false', image]));
    if (round + 1 === PULL_RUNS) break;
    timed(RYOUIKI, ['rmi', '--root', store, image]);
    rmSync(join(work, 'skopeo-dir'), { recursive: true, force: true });
    timed('podman', [...podmanFlags, 'rmi', image]);
  }
  rows.push([`pull: ryouiki pull (median of ${PULL_RUNS})`, median(pulls.ryouiki)]);
  rows.push([`pull: skopeo copy to a dir (median of ${PULL_RUNS})`, median(pulls.skopeo)]);
  rows.push([`pull: podman pull (median of ${PULL_RUNS})`, median(pulls.podman)]);
  ratios.push(['pull: ryouiki / podman (target: at most 1)', median(pulls.ryouiki.map((ms, round) => ms / pulls.podman[round]))]);

  const ryouikiRun = ['run', '--rm', '--root', store, '--network', 'none', image, 'true'];
  const podmanRun = [...podmanFlags, 'run', '--rm', '--network', 'none', '--runtime', 'runc', image, 'true'];
  timed(RYOUIKI, ryouikiRun);
  timed('podman', podmanRun);
  const runs = { ryouiki: [], podman: [] };
  for (let round = 0; round < RUNS; round++) {
    runs.ryouiki.push(timed(RYOUIKI, ryouikiRun));
    runs.podman.push(timed('podman', podmanRun));
  }
  rows.push([`run --rm IMAGE true: ryouiki (median of ${RUNS})`, median(runs.ryouiki)]);
  rows.push([`run --rm IMAGE true: podman --runtime runc (median of ${RUNS})`, median(runs.podman)]);
  ratios.push(['run --rm: ryouiki / podman (target: at most 0.5)', median(runs.ryouiki.map((ms, round) => ms / runs.podman[round]))]);

  console.log(`Debian minbase image, one ${(layerSize / 2 ** 20).toFixed(1)} MiB gzip layer, from docker-registry on 127.0.0.1`);
  for (const [what, ms] of rows) console.log(`${what.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms`);
  for (const [what, ratio] of ratios) console.log(`${what.padEnd(58)} ${ratio.toFixed(2).padStart(7)}`);
  spawnSync(RYOUIKI, ['image', 'prune', '--all', '--root', store], { stdio: 'ignore' });
} finally {
  if (registry !== undefined && registry.child.exitCode === null && registry.child.signalCode === null) {
    const exited = once(registry.child, 'exit');
    registry.child.kill();
    await exited;
  }
  const pausePidFile = join(podmanEnv.XDG_RUNTIME_DIR, 'libpod', 'tmp', 'pause.pid');
  const pausePid = existsSync(pausePidFile) ? Number(readFileSync(pausePidFile, 'utf8')) : undefined;
  spawnSync('podman', [...podmanFlags, 'system', 'reset', '--force'], { stdio: 'ignore', env: podmanEnv });
  if (pausePid !== undefined) spawnSync('kill', ['-KILL', String(pausePid)], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
