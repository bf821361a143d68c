import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { asRuntimeError, RyouikiError } from '../errors.js';
import { supervisorArgv } from '../launch/argv.js';
import { afterPrepare, prepareLaunch, spawnSupervisor, superviseLaunch } from '../launch/pipeline.js';
import { launchOf } from '../launch/plan.js';
import { filesOf } from '../launch/resources.js';
import { loadOciBundle } from '../oci/bundle.js';
import { planBundle } from '../oci/plan.js';
import { bundleCgroupOptions } from '../oci/cgroups-path.js';
import { runtimeDir } from '../store/runtime-dir.js';
import { assertValidSpec } from '../spec/validate.js';
import { OciRecorder } from './record.js';
import { containerFolder, exitPath, infoPath, ociRoot, startFifoPath, type OciStoreOptions } from './store.js';

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
  /** --systemd-cgroup: the container's cgroup is a transient scope of the user's systemd, named by linux.cgroupsPath (slice:prefix:name). */
  systemdCgroup?: boolean;
}

function checkTerminal(terminal: boolean, consoleSocket: string | undefined): void {
  if (consoleSocket !== undefined && !terminal) throw new RyouikiError('USAGE', '--console-socket needs process.terminal true in config.json');
  if (terminal && consoleSocket === undefined) throw new RyouikiError('USAGE', 'process.terminal is true: give --console-socket, where the terminal goes (ryouiki-runtime copies no terminal)');
}

/**
 * OCI create: the container is set up as runc sets it up (namespaces, id
 * maps, cgroup, the prestart, createRuntime and createContainer hooks,
 * mounts, pivot_root, its terminal sent to the console socket) and its init,
 * under ryouiki-monitor, waits on the start fifo until `start`. Resolves with
 * the init's PID; nothing of Node.js stays behind. A failure leaves nothing,
 * the poststop hooks having run. The engine owns the network: none is made.
 */
export async function ociCreate(id: string, options: CreateOptions): Promise<number> {
  return createContainer(id, options).catch((error: unknown) => {
    throw asRuntimeError(error);
  });
}

async function createContainer(id: string, options: CreateOptions): Promise<number> {
  const bundle = await loadOciBundle(resolve(options.bundle), { ignoreUnsupported: options.ignoreUnsupported === true });
  const { network: _engineOwnsIt, ...plan } = planBundle(bundle);
  plan.id = id;
  if (plan.spec.startContainerHooks !== undefined) plan.spec.startContainerHooks.state.id = id;
  for (const warning of plan.warnings) options.onWarning?.(warning);
  assertValidSpec(plan.spec);
  checkTerminal(plan.spec.process.terminal === true, options.consoleSocket);
  const root = ociRoot(options);
  const recorder = new OciRecorder(root, id, bundle);
  const warn = options.onWarning ?? (() => undefined);
  const cgroups = options.systemdCgroup === true ? { systemdCgroupsPath: bundle.cgroupsPath ?? '' } : bundleCgroupOptions(bundle.cgroupsPath, warn, plan.spec.linux.resources);
  const launch = launchOf(plan, { onWarning: warn, cgroups }, recorder, runtimeDir({ root: containerFolder(root, id) }));
  const spec = await prepareLaunch(launch);
  const supervisor = await afterPrepare(launch, () => {
    const consoleSocket = options.consoleSocket === undefined ? undefined : resolve(options.consoleSocket);
    const helper = { files: filesOf(launch.resources), consoleSocket, engine: { foreground: options.foreground === true } };
    const argv = supervisorArgv(spec, helper, { exitFile: exitPath(root, id), startFifo: startFifoPath(root, id), infoFile: infoPath(root, id), exitCommand: [] });
    // With a terminal the container's stdio is the terminal: the runtime's own output must end with
    // it, as engines read it to its end (containerd's shim waits for the end of create's output).
    return spawnSupervisor(launch, argv, consoleSocket === undefined ? 'inherit' : 'ignore');
  });
  const pid = await superviseLaunch(launch, supervisor, 'ready');
  if (options.pidFile !== undefined) writePidFile(options.pidFile, pid);
  return pid;
}

/** Written whole by rename, as engines read it as soon as create returns. */
export function writePidFile(path: string, pid: number): void {
  const target = resolve(path);
  writeFileSync(`${target}.tmp`, String(pid));
  renameSync(`${target}.tmp`, target);
}
