import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Stream } from 'node:stream';
import { ContainerNetwork, type NetworkRequest } from '@ryouiki/net';
import { cgroupStats, killCgroup, releasableCgroups, removeCgroups, type ContainerCgroups } from '../cgroup/cgroup-control.js';
import { planCgroup, type CgroupReport, type ContainerCgroup } from '../cgroup/cgroup.js';
import type { CgroupOptions } from '../cgroup/cgroup-system.js';
import { shortId, type PlanHooks } from '../spec/container-options.js';
import { containerFilesDir, createContainerFiles, removeContainerFiles, removeGeneratedFiles, type ContainerFiles } from './container-files.js';
import type { ResourceRecord } from '../store/container-state.js';
import { monitorPath } from '../helper/monitor.js';
import { asRyouikiError, withBindFiles } from './network-spec.js';
import { RyouikiError } from '../errors.js';
import { hookResource } from '../oci/hooks.js';
import { isAlive, processIdentity, type ProcessIdentity } from '../store/proc-identity.js';
import { ensureRuntimeDir } from '../store/runtime-dir.js';
import type { ContainerSpec } from '../spec/spec.js';
import { registerResourceReleaser, type Resource, type Warn } from './resource.js';

const FILES = 'container-files';
/** Recorded by launches before the helper wrote the full id maps itself: nothing to release. */
const ID_MAP = 'id-map';
const CGROUP = 'cgroup';
const NETWORK = 'network';
const ROOT_OVERLAY = 'root-overlay';
const STOP_GRACE_MS = 3000;
const POLL_MS = 20;

/**
 * The container's own files (generated /etc files, seccomp rules, start
 * hooks, an overlay's layer): made before the helper starts, the generated
 * ones removed once the command runs (its mounts keep them alive), the rest
 * when the container has ended.
 */
export class ContainerFilesResource implements Resource {
  private made: ContainerFiles | undefined;

  constructor(
    readonly dir: string,
    private readonly network: boolean,
    private readonly cache?: string,
  ) {}

  prepare(spec: ContainerSpec): ContainerSpec {
    this.made = createContainerFiles(spec, this.dir, this.network, this.cache);
    return spec;
  }

  /** What the helper's argv names; only after prepare. */
  get files(): ContainerFiles {
    if (this.made === undefined) throw new Error('the container files were used before they were made');
    return this.made;
  }

  async attach(): Promise<void> {}

  async started(): Promise<void> {
    if (this.made !== undefined) removeGeneratedFiles(this.made);
  }

  async release(): Promise<void> {
    removeContainerFiles({ dir: this.dir, mounts: [] });
  }

  record(): ResourceRecord {
    return { kind: FILES, dir: this.dir };
  }
}

/** The container's cgroup (see cgroup.ts): made, limited and joined while the command waits; killed and removed after. */
export class CgroupResource implements Resource {
  constructor(private readonly cgroup: ContainerCgroup) {}

  attach(pid: number): Promise<void> {
    return this.cgroup.attach(pid);
  }

  release(): Promise<void> {
    return this.cgroup.release();
  }

  /** The planned folders: their release tolerates folders that were never made. */
  record(): ResourceRecord {
    return { kind: CGROUP, ...this.cgroup.cgroups };
  }

  /** What the container got, read before release removes the folders. */
  report(): CgroupReport {
    return this.cgroup.report();
  }
}

/**
 * The container's network: checked and its name files written before the
 * container exists, connected once its PID exists. Without a supervisor it
 * ends with this process; with one (a socket pair the supervisor holds), it
 * outlives the launch and ends with the supervisor, and its record lets
 * whoever records the end stop it.
 */
export class NetworkResource implements Resource {
  private network: ContainerNetwork | undefined;
  private supervisorLink: Stream | undefined;
  private stack: ProcessIdentity | undefined;

  constructor(
    private readonly request: NetworkRequest,
    readonly stateDir: string,
  ) {}

  async prepare(spec: ContainerSpec): Promise<ContainerSpec> {
    try {
      ensureRuntimeDir(dirname(this.stateDir));
      this.network = await ContainerNetwork.prepare(this.request, { stateDir: this.stateDir, rootfs: spec.root.path });
    } catch (error) {
      throw asRyouikiError(error);
    }
    return withBindFiles(spec, this.network);
  }

  linkToSupervisor(link: Stream): void {
    this.supervisorLink = link;
  }

  async attach(pid: number): Promise<void> {
    const network = this.network;
    if (network === undefined) throw new Error('the network was attached before it was prepared');
    try {
      const link = this.supervisorLink;
      await network.attach(pid, link === undefined ? undefined : { link, keeper: monitorPath() });
      const stackPid = network.stackPid;
      this.stack = stackPid === undefined ? undefined : processIdentity(stackPid);
    } catch (error) {
      await network.release();
      throw asRyouikiError(error);
    }
  }

  async release(): Promise<void> {
    if (this.network !== undefined) await this.network.release();
    else rmSync(this.stateDir, { recursive: true, force: true });
  }

  handOver(): void {
    this.network?.letGo();
  }

  record(): ResourceRecord {
    return { kind: NETWORK, stateDir: this.stateDir, publish: this.request.publish, ...(this.stack === undefined ? {} : { stack: this.stack }) };
  }
}

/** What the helper left of an overlay, best effort: files of subordinate ids it did not empty cannot be removed from outside the container's user namespace. */
function removeOverlayDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Left as it is: removing part of it would help nobody.
  }
}

/**
 * A copy-on-write root (--overlay, or an image's layers): the rootfs (an
 * image's top layer) and the further lower layers under an upper layer of
 * this container's own. Prepared once every layer is checked to be there;
 * the helper empties upper/ and work/ once the container has ended (their
 * files may belong to subordinate ids), release removes the rest. A kept
 * upper layer (keepsUpper: the container stays once it has ended) is left
 * where it is, and found again by a restart; the container's removal
 * removes it (removeKeptOverlay).
 */
export class RootOverlayResource implements Resource {
  constructor(
    readonly dir: string,
    readonly keepsUpper = false,
  ) {}

  static needed(spec: ContainerSpec): boolean {
    return spec.root.overlay === true;
  }

  prepare(spec: ContainerSpec): ContainerSpec {
    const missing = [spec.root.path, ...(spec.root.lowerPaths ?? [])].find((layer) => !existsSync(layer));
    if (missing !== undefined) {
      const what = spec.root.image === undefined ? 'the root filesystem' : `a layer of image ${spec.root.image.name}`;
      throw new RyouikiError(spec.root.image === undefined ? 'ROOTFS_NOT_FOUND' : 'IMAGE_NOT_FOUND', `${what} is gone: ${missing}; pull or load it again`);
    }
    try {
      // a fresh folder, unless it is a kept one a restart finds again
      mkdirSync(this.dir, { mode: 0o700, recursive: this.keepsUpper });
      for (const name of ['upper', 'work', 'merged']) mkdirSync(join(this.dir, name), { mode: 0o755, recursive: this.keepsUpper });
    } catch (error) {
      throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot create the container's overlay ${this.dir}: ${(error as Error).message}`);
    }
    return spec;
  }

  async attach(): Promise<void> {}

  async release(): Promise<void> {
    if (!this.keepsUpper) removeOverlayDir(this.dir);
  }

  record(): ResourceRecord {
    return { kind: ROOT_OVERLAY, dir: this.dir, ...(this.keepsUpper ? { keepsUpper: true } : {}) };
  }
}

/** What a launch gives the registry to pick a container's resources (a ContainerPlan). */
export interface ResourcePlan {
  id: string;
  spec: ContainerSpec;
  /** The network around the container; none for an OCI runtime's container (the engine's business). */
  network?: NetworkRequest;
  hooks?: PlanHooks;
}

export interface ResourceContext {
  /** The runtime folder the container's files go under. */
  runtime: string;
  /** The cache folder (cacheDir) the compiled seccomp filters are kept in. */
  cache?: string;
  cgroups?: CgroupOptions;
  warn: Warn;
  /** The container stays once it has ended: its root overlay goes here (keptOverlayDir), its upper layer kept. */
  keptOverlayDir?: string;
}

/**
 * Every resource of a container, in the order they are attached: the one
 * place that knows them. A limit that cannot be enforced is refused here,
 * before anything is recorded or made.
 */
export function containerResources(plan: ResourcePlan, context: ResourceContext): Resource[] {
  const cgroup = planCgroup(plan.spec, plan.id, context.cgroups);
  for (const warning of cgroup?.warnings ?? []) context.warn(warning);
  const resources: Resource[] = [new ContainerFilesResource(containerFilesDir(context.runtime, plan.id), plan.network !== undefined, context.cache)];
  if (RootOverlayResource.needed(plan.spec)) {
    const kept = context.keptOverlayDir;
    resources.push(kept === undefined ? new RootOverlayResource(join(containerFilesDir(context.runtime, plan.id), 'overlay')) : new RootOverlayResource(kept, true));
  }
  if (cgroup !== undefined) resources.push(new CgroupResource(cgroup));
  if (plan.network !== undefined) resources.push(new NetworkResource(plan.network, join(context.runtime, shortId(plan.id))));
  if (plan.hooks !== undefined && Object.keys(plan.hooks.hooks).length > 0) {
    resources.push(hookResource(plan.hooks.hooks, { ...plan.hooks.context, id: plan.id, warn: context.warn }));
  }
  return resources;
}

/** What the helper's argv names: the container's files, and the folder of its root overlay if it has one. */
export function filesOf(resources: Resource[]): ContainerFiles {
  const files = resources.find((resource) => resource instanceof ContainerFilesResource);
  if (files === undefined) throw new Error('a container has no files resource');
  const overlay = resources.find((resource) => resource instanceof RootOverlayResource);
  if (overlay === undefined) return files.files;
  return { ...files.files, overlayDir: overlay.dir, ...(overlay.keepsUpper ? { overlayKeepsUpper: true } : {}) };
}

export function cgroupOf(resources: Resource[]): CgroupResource | undefined {
  return resources.find((resource) => resource instanceof CgroupResource);
}

/** Only the folders a container of the caller's can have: a record is never trusted to name a cgroup to kill. */
function recordedCgroups(record: ResourceRecord): ContainerCgroups {
  return releasableCgroups({ name: String(record.name), folders: (record.folders ?? []) as ContainerCgroups['folders'] });
}

async function waitUntilGone(identity: ProcessIdentity, deadline: number): Promise<boolean> {
  while (isAlive(identity)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

registerResourceReleaser(FILES, async (record) => removeContainerFiles({ dir: String(record.dir), mounts: [] }));
registerResourceReleaser(ROOT_OVERLAY, async (record) => {
  if (record.keepsUpper !== true) removeOverlayDir(String(record.dir));
});
registerResourceReleaser(ID_MAP, async () => undefined);

/** Kills what is left in the cgroup (a process that escaped the init's tree), removes it, and tells an OOM kill. */
registerResourceReleaser(CGROUP, async (record) => {
  const cgroups = recordedCgroups(record);
  const oomKilled = (cgroupStats(cgroups).memory?.oomKills ?? 0) > 0;
  await killCgroup(cgroups).catch(() => undefined);
  await removeCgroups(cgroups);
  return oomKilled ? 'oom' : undefined;
});

/**
 * Stops the very network stack that was recorded (slirp4netns, or pasta's
 * keeper), if it still runs (it ends by itself with the supervisor), and
 * removes its files.
 */
registerResourceReleaser(NETWORK, async (record) => {
  if (typeof record.stateDir === 'string') rmSync(record.stateDir, { recursive: true, force: true });
  const identity = record.stack as ProcessIdentity | undefined;
  if (identity === undefined || !isAlive(identity)) return;
  signal(identity.pid, 'SIGTERM');
  if (!(await waitUntilGone(identity, Date.now() + STOP_GRACE_MS))) {
    signal(identity.pid, 'SIGKILL');
    await waitUntilGone(identity, Date.now() + STOP_GRACE_MS);
  }
});
