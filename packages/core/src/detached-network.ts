import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Stream } from 'node:stream';
import { ContainerNetwork } from '@ryouiki/net';
import { shortId, type ContainerPlan } from './container-options.js';
import type { ResourceRecord } from './container-state.js';
import { registerResourceReleaser, type DetachedResource } from './detached-resources.js';
import { monitorPath } from './monitor.js';
import { asRyouikiError, withBindFiles } from './network-spec.js';
import type { StoreOptions } from './paths.js';
import { isAlive, processIdentity, type ProcessIdentity } from './proc-identity.js';
import { ensureRuntimeDir, runtimeDir } from './runtime-dir.js';
import type { ContainerSpec } from './spec.js';

const KIND = 'network';
const STOP_GRACE_MS = 3000;
const POLL_MS = 20;

/**
 * A detached container's network: slirp4netns (or pasta under a keeper) in a
 * session of its own, watching a socket pair the supervisor holds, so it
 * outlives `start` and ends with the supervisor; its record lets whoever
 * records the end stop it.
 */
export class DetachedNetwork implements DetachedResource {
  private supervisorLink: Stream | undefined;
  private stack: ProcessIdentity | undefined;

  constructor(
    private readonly network: ContainerNetwork,
    private readonly stateDir: string,
  ) {}

  /** start() hands over its end of the socket pair whose other end the supervisor holds. */
  linkToSupervisor(link: Stream): void {
    this.supervisorLink = link;
  }

  async attach(pid: number): Promise<void> {
    try {
      const link = this.supervisorLink;
      await this.network.attach(pid, link === undefined ? undefined : { link, keeper: monitorPath() });
      const stackPid = this.network.stackPid;
      this.stack = stackPid === undefined ? undefined : processIdentity(stackPid);
    } catch (error) {
      await this.network.release();
      throw asRyouikiError(error);
    }
  }

  release(): Promise<void> {
    return this.network.release();
  }

  /** Called once the start has succeeded: from then on the supervisor holds the network. */
  record(): ResourceRecord {
    this.network.letGo();
    return { kind: KIND, stateDir: this.stateDir, stack: this.stack };
  }

  /** The generated files, until attach removes them. */
  recordBeforeAttach(): ResourceRecord {
    return { kind: KIND, stateDir: this.stateDir };
  }
}

/** A plan with its detached network prepared (checks, generated files; nothing started yet). */
export interface PreparedDetachedNetwork {
  spec: ContainerSpec;
  resource: DetachedNetwork;
  /** Removes whatever is left of the network after a failed start; safe to call more than once. */
  discard(): Promise<void>;
}

/** As prepareNetwork, for `start`. */
export async function prepareDetachedNetwork(plan: ContainerPlan, options: StoreOptions = {}): Promise<PreparedDetachedNetwork> {
  const runtime = runtimeDir(options);
  const stateDir = join(runtime, shortId(plan.id));
  let network: ContainerNetwork;
  try {
    ensureRuntimeDir(runtime);
    network = await ContainerNetwork.prepare(plan.network, { stateDir, rootfs: plan.spec.root.path });
  } catch (error) {
    throw asRyouikiError(error);
  }
  return {
    spec: withBindFiles(plan.spec, network),
    resource: new DetachedNetwork(network, stateDir),
    discard: () => network.release(),
  };
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

/**
 * Stops the very network stack that was recorded (slirp4netns, or pasta's
 * keeper), if it still runs (it ends by itself with the supervisor), and
 * removes its files.
 */
registerResourceReleaser(KIND, async (record) => {
  if (typeof record.stateDir === 'string') rmSync(record.stateDir, { recursive: true, force: true });
  const identity = record.stack as ProcessIdentity | undefined;
  if (identity === undefined || !isAlive(identity)) return;
  signal(identity.pid, 'SIGTERM');
  if (!(await waitUntilGone(identity, Date.now() + STOP_GRACE_MS))) {
    signal(identity.pid, 'SIGKILL');
    await waitUntilGone(identity, Date.now() + STOP_GRACE_MS);
  }
});
