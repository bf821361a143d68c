import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Duplex, Writable } from 'node:stream';
import { planCgroup } from '../cgroup.js';
import type { ContainerFiles } from '../container-dir.js';
import { prepareContainer, type ContainerSetup } from '../container-setup.js';
import { DetachedCgroup } from '../detached-cgroup.js';
import type { DetachedResource } from '../detached-resources.js';
import { detachedSetup } from '../detached-setup.js';
import { RyouikiError } from '../errors.js';
import { helperArgs, helperFailure, helperPath, parseHelperEvent } from '../helper.js';
import { monitorPath } from '../monitor.js';
import { loadOciBundle, type OciBundle } from '../oci/bundle.js';
import { processIdentity } from '../proc-identity.js';
import type { ContainerSpec } from '../spec.js';
import { assertValidSpec } from '../validate.js';
import { runHooks, runHooksWarning } from '../oci/hooks.js';
import { planBundle } from '../oci/plan.js';
import { bundleCgroupOptions } from '../oci/cgroups-path.js';
import { exitPath, infoPath, makeContainerFolder, ociRoot, removeContainerFolder, startFifoPath, writeRecord, type OciRecord, type OciStoreOptions } from './store.js';

const SYNC_FD = 3;
const BLOCK_FD = 4;
/** The helper's exec gate: the start fifo, which the supervisor makes and opens for it. */
const GATE_FD = 5;

export interface CreateOptions extends OciStoreOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** Leave out the config.json fields Ryouiki does not implement instead of refusing the bundle. */
  ignoreUnsupported?: boolean;
  /**
   * For `run` in the foreground: the helper stays the init's parent and ends
   * with the command's exit code. Otherwise it leaves once the command runs,
   * and the init is reaped by the nearest subreaper (an engine's monitor).
   */
  foreground?: boolean;
  onWarning?: (message: string) => void;
}

/** The bundle, its spec completed as for `ryouiki tenkai --bundle` (id maps, startContainer hooks with this id); warnings said. */
async function readBundle(id: string, options: CreateOptions): Promise<OciBundle> {
  const bundle = await loadOciBundle(resolve(options.bundle), { ignoreUnsupported: options.ignoreUnsupported === true });
  const plan = planBundle(bundle);
  for (const warning of plan.warnings ?? []) options.onWarning?.(warning);
  const spec = plan.spec;
  if (spec.startContainerHooks !== undefined) spec.startContainerHooks.state.id = id;
  assertValidSpec(spec);
  return { ...bundle, spec };
}

/** The container's environment for the supervisor to hand the helper: a private file, never a command line. */
function writeHelperEnv(files: ContainerFiles, spec: ContainerSpec): string {
  const path = join(files.dir, 'helper.env');
  writeFileSync(path, spec.process.env.map((entry) => `${entry}\0`).join(''), { mode: 0o600 });
  return path;
}

function spawnSupervisor(root: string, id: string, spec: ContainerSpec, files: ContainerFiles, consoleSocket: string | undefined, foreground: boolean): ChildProcess {
  // The rootfs of a bundle is the engine's container layer: mount points are made in it, as runc and crun do.
  const helper = [helperPath(), '--engine-rootfs', '--exec-gate-fd', String(GATE_FD), ...(foreground ? [] : ['--detach']), ...helperArgs(spec, { infoFd: SYNC_FD, blockFd: BLOCK_FD, files, consoleSocket })];
  const args = ['--inherit-stdio', '--exit-file', exitPath(root, id), '--sync-fd', String(SYNC_FD), '--block-fd', String(BLOCK_FD), '--start-fifo', startFifoPath(root, id), '--info-file', infoPath(root, id), '--helper-env-file', writeHelperEnv(files, spec), '--', ...helper];
  // With a terminal the container's stdio is the terminal: runc's own output must end with it, as
  // engines read it to its end (containerd's shim waits for the end of create's output).
  const stdio = consoleSocket === undefined ? 'inherit' : 'ignore';
  const monitor = spawn(monitorPath(), args, { detached: true, stdio: [stdio, stdio, stdio, 'pipe', 'pipe'] });
  monitor.on('error', () => undefined);
  return monitor;
}

interface Creation {
  pid?: number;
  ready: boolean;
  attached: DetachedResource[];
  failure?: { message: string; code: number };
  attachError?: unknown;
}

/**
 * Reads the helper's lines until the container is set up and waits for its
 * start, or has failed. Once the init exists: its resources are attached and
 * the createRuntime and prestart hooks run before it may set itself up.
 */
async function followCreation(sync: Duplex, block: Writable, resources: DetachedResource[], onPid: (pid: number) => Promise<void>): Promise<Creation> {
  const creation: Creation = { ready: false, attached: [] };
  for await (const line of createInterface({ input: sync, crlfDelay: Infinity })) {
    const event = parseHelperEvent(line);
    if (event === undefined) continue;
    if ('pid' in event) {
      creation.pid = event.pid;
      try {
        for (const resource of resources) {
          await resource.attach(event.pid);
          creation.attached.push(resource);
        }
        await onPid(event.pid);
        block.end('1');
      } catch (error) {
        creation.attachError = error;
        return creation;
      }
    } else if ('ready' in event) {
      creation.ready = true;
      return creation;
    } else if ('error' in event) creation.failure = { message: event.error, code: event.code ?? 125 };
    else if ('exit' in event) break;
  }
  return creation;
}

async function abandon(monitor: ChildProcess, creation: Creation, setup: ContainerSetup, root: string, state: OciRecord, warn: (message: string) => void): Promise<never> {
  const id = state.id;
  if (monitor.exitCode === null && monitor.signalCode === null) {
    const exited = once(monitor, 'exit');
    monitor.kill('SIGKILL');
    await exited;
  }
  for (const resource of [...creation.attached].reverse()) await resource.release().catch(() => undefined);
  setup.cleanup();
  removeContainerFolder(root, id);
  // The runtime-spec's lifecycle goes on to its end after a failed create: poststop.
  if (creation.pid !== undefined) {
    await runHooksWarning(state.hooks, 'poststop', { ociVersion: state.ociVersion, id, status: 'stopped', bundle: state.bundle, annotations: state.annotations }, warn);
  }
  if (creation.attachError !== undefined) throw creation.attachError;
  const failure = creation.failure ?? { message: 'the supervisor ended before the container existed', code: 125 };
  throw helperFailure(failure.message, failure.code);
}

function record(id: string, bundle: OciBundle, resources: OciRecord['resources']): OciRecord {
  return {
    id,
    ociVersion: bundle.spec.ociVersion,
    bundle: bundle.bundleDir,
    annotations: bundle.annotations,
    spec: bundle.spec,
    hooks: bundle.hooks,
    created: new Date().toISOString(),
    resources,
  };
}

/**
 * OCI create: the container is set up as runc sets it up (namespaces, id
 * maps, cgroup, the prestart, createRuntime and createContainer hooks,
 * mounts, pivot_root, its terminal sent to the console socket) and its init,
 * under ryouiki-monitor, waits on the start fifo until `start`. Resolves with
 * the init's PID; nothing of Node.js stays behind. A failure leaves nothing,
 * the poststop hooks having run.
 */
export async function ociCreate(id: string, options: CreateOptions): Promise<number> {
  const bundle = await readBundle(id, options);
  const spec = bundle.spec;
  if (options.consoleSocket !== undefined && spec.process.terminal !== true) {
    throw new RyouikiError('USAGE', '--console-socket needs process.terminal true in config.json');
  }
  if (spec.process.terminal === true && options.consoleSocket === undefined) {
    throw new RyouikiError('USAGE', 'process.terminal is true: give --console-socket, where the terminal goes (ryouiki-runtime copies no terminal)');
  }
  const root = ociRoot(options);
  const dir = makeContainerFolder(root, id);
  let setup: ContainerSetup;
  let resources: DetachedResource[];
  try {
    const cgroup = planCgroup(spec, id, bundleCgroupOptions(bundle.cgroupsPath, options.onWarning ?? (() => undefined)));
    setup = prepareContainer(spec, { root: dir, onWarning: options.onWarning }, id);
    resources = [...detachedSetup(setup), ...(cgroup === undefined ? [] : [new DetachedCgroup(cgroup)])];
  } catch (error) {
    removeContainerFolder(root, id);
    throw error;
  }
  // Everything is recorded before it is made: a create killed half-way leaves nothing that delete cannot release.
  const state = record(id, bundle, resources.map((resource) => resource.record()));
  writeRecord(root, state);
  const monitor = spawnSupervisor(root, id, spec, setup.files, options.consoleSocket === undefined ? undefined : resolve(options.consoleSocket), options.foreground === true);
  const sync = monitor.stdio[SYNC_FD] as Duplex;
  const block = monitor.stdio[BLOCK_FD] as Writable;
  sync.on('error', () => undefined);
  block.on('error', () => undefined);
  state.monitor = monitor.pid === undefined ? undefined : processIdentity(monitor.pid);
  const creation = await followCreation(sync, block, resources, async (pid) => {
    state.pid = pid;
    state.process = processIdentity(pid);
    const hookState = { ociVersion: state.ociVersion, id, status: 'creating' as const, pid, bundle: state.bundle, annotations: state.annotations };
    for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) await runHooks(bundle.hooks, kind, hookState);
  });
  block.destroy();
  if (!creation.ready || creation.pid === undefined || creation.attachError !== undefined) return abandon(monitor, creation, setup, root, state, options.onWarning ?? (() => undefined));
  state.resources = creation.attached.map((resource) => resource.record());
  writeRecord(root, state);
  // The supervisor holds the container from now on: its end no longer kills it.
  sync.end('k');
  await once(sync, 'finish').catch(() => undefined);
  sync.destroy();
  monitor.unref();
  if (options.pidFile !== undefined) writePidFile(options.pidFile, creation.pid);
  return creation.pid;
}

/** Written whole by rename, as engines read it as soon as create returns. */
export function writePidFile(path: string, pid: number): void {
  const target = resolve(path);
  writeFileSync(`${target}.tmp`, String(pid));
  renameSync(`${target}.tmp`, target);
}
