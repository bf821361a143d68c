/**
 * The contenders of the benchmark, each prepared on the same busybox rootfs,
 * and those that are not installed named as skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The program's path on the PATH, or undefined. */
export function which(program) {
  const result = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Runs a peer once; a peer that cannot start here is skipped with its reason. */
function works(argv, env = process.env) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60000, env });
  return result.status === 0 ? undefined : (result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n').pop();
}

function spawnAndWait(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv[0]} exited ${code}`))));
  });
}

function bwrapArgv(bwrap, rootfs) {
  return [bwrap, '--unshare-all', '--die-with-parent', '--bind', rootfs, '/', '--proc', '/proc', '--dev', '/dev', '/bin/true'];
}

/**
 * A login session's folders, as systemd-logind gives them: runtime state on a
 * tmpfs (XDG_RUNTIME_DIR, /run/user/UID, where podman and runc keep theirs
 * too), data and cache on disk. The test user has no session here, so a
 * private folder of /dev/shm stands in for the tmpfs; where there is none,
 * the state goes to disk and the report names the filesystem.
 */
export function benchSession(work) {
  const runtime = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/ryouiki-bench-run-') : join(work, 'run');
  mkdirSync(runtime, { recursive: true });
  chmodSync(runtime, 0o700);
  const filesystem = spawnSync('stat', ['-f', '-c', '%T', runtime], { encoding: 'utf8' }).stdout.trim();
  return {
    env: { XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(work, 'data'), XDG_CACHE_HOME: join(work, 'cache') },
    runtime,
    filesystem,
    cleanup: () => rmSync(runtime, { recursive: true, force: true }),
  };
}

/** A rootless runc bundle over the same rootfs, running /bin/true; its state where runc keeps it in a session. */
function prepareRunc(runc, rootfs, work, runtime) {
  const bundle = join(work, 'runc-bundle');
  mkdirSync(bundle);
  spawnSync(runc, ['spec', '--rootless'], { cwd: bundle });
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.root = { path: rootfs, readonly: true };
  config.process.args = ['/bin/true'];
  config.process.terminal = false;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return [runc, '--root', join(runtime, 'runc'), 'run', '--bundle', bundle, 'ryouiki-bench-runc'];
}

/** podman needs an image: the same rootfs, imported locally (no registry). crun cannot run on hybrid cgroups, so runc. */
function preparePodman(podman, rootfs, runtime, env) {
  const image = 'localhost/ryouiki-bench-busybox:latest';
  const imported = spawnSync('sh', ['-c', `tar -C '${rootfs}' -c . | '${podman}' import - ${image}`], { encoding: 'utf8', env });
  if (imported.status !== 0) return { skip: `podman import failed: ${imported.stderr.trim().split('\n').pop()}` };
  const through = (ociRuntime) => [podman, 'run', '--rm', '--runtime', ociRuntime, '--network', 'none', image, '/bin/true'];
  return {
    none: through(which('runc') ?? 'crun'),
    throughRyouiki: through(runtime),
    cleanup: () => spawnSync(podman, ['rmi', '-f', image], { stdio: 'ignore', env }),
  };
}

/**
 * The contenders. Ryouiki's and runc's state go to the session's runtime
 * folder (ryouiki's through XDG_RUNTIME_DIR, set in this process for run()
 * and its children); podman keeps the caller's environment (userEnv), so that
 * its storage and pause process stay the ones the test user already has.
 */
export async function findPeers({ repo, rootfs, work, session, userEnv }) {
  const skipped = [];
  const cleanups = [];
  const { planContainer, run } = await import(pathToFileURL(join(repo, 'packages', 'core', 'dist', 'index.js')).href);
  const plan = planContainer({ path: rootfs, args: ['/bin/true'] });
  // What bwrap --unshare-all sets up: a single-id map, no cgroup, no seccomp filter.
  const lean = planContainer({ path: rootfs, args: ['/bin/true'], userns: 'single', seccomp: 'unconfined' });
  // As make install puts it on the PATH: the entry itself, no shell wrapper.
  const runtime = join(repo, 'packages', 'cli', 'bin', 'runtime.cjs');
  const peers = {
    runtime,
    tenkai: [join(repo, 'bin', 'ryouiki'), 'tenkai', '--network', 'none', '--path', rootfs, '--', '/bin/true'],
    helper: [join(repo, 'helper', 'ryouiki-init'), '--rootfs', rootfs, '--', '/bin/true'],
    nodeSpawningHelper: ['node', join(repo, 'bench', 'spawn-helper.cjs'), join(repo, 'helper', 'ryouiki-init'), '--rootfs', rootfs, '--', '/bin/true'],
    libraryRun: async () => {
      const result = await run(plan.spec, { id: plan.id });
      if (result.exitCode !== 0) throw new Error(`run() gave ${result.exitCode}`);
    },
    libraryRunLean: async () => {
      const result = await run(lean.spec, { id: lean.id, cgroups: { enabled: false } });
      if (result.exitCode !== 0) throw new Error(`run() gave ${result.exitCode}`);
    },
    skipped,
    cleanup: async () => cleanups.forEach((cleanup) => cleanup()),
  };

  const bwrap = which('bwrap');
  const bwrapProblem = bwrap ? works(bwrapArgv(bwrap, rootfs)) : 'not installed (apt-get install bubblewrap)';
  if (bwrapProblem) skipped.push(`bwrap: ${bwrapProblem}`);
  else {
    peers.bwrap = bwrapArgv(bwrap, rootfs);
    peers.bwrapFromNode = () => spawnAndWait(peers.bwrap);
  }

  const runc = which('runc');
  if (!runc) skipped.push('runc: not installed (apt-get install runc)');
  else {
    const argv = prepareRunc(runc, rootfs, work, session.runtime);
    const problem = works(argv);
    if (problem) skipped.push(`runc: ${problem}`);
    else {
      peers.runc = argv;
      // The same bundle through the same launch pipeline as tenkai, without oclif.
      const runtimeRun = [runtime, '--root', join(session.runtime, 'ryouiki-runtime'), 'run', '--bundle', join(work, 'runc-bundle'), 'ryouiki-bench-runtime'];
      const runtimeProblem = works(runtimeRun);
      if (runtimeProblem) skipped.push(`ryouiki-runtime run: ${runtimeProblem}`);
      else peers.runtimeRun = runtimeRun;
    }
  }

  const podman = which('podman');
  if (!podman) skipped.push('podman: not installed (apt-get install podman)');
  else {
    const prepared = preparePodman(podman, rootfs, runtime, userEnv);
    const problem = prepared.skip ?? works(prepared.none, userEnv);
    if (prepared.cleanup) cleanups.push(prepared.cleanup);
    if (problem) skipped.push(`podman: ${problem}`);
    else {
      peers.podmanNone = prepared.none;
      peers.podmanEnv = userEnv;
      const throughProblem = works(prepared.throughRyouiki, userEnv);
      if (throughProblem) skipped.push(`podman through ryouiki-runtime: ${throughProblem}`);
      else peers.podmanThroughRyouiki = prepared.throughRyouiki;
    }
  }
  return peers;
}
