import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Stream } from 'node:stream';
import { ContainerNetwork, type NetworkRequest } from '@ryouiki/net';
import { shortId, type ContainerPlan } from './container-options.js';
import type { ResourceRecord } from './container-state.js';
import { registerResourceReleaser, type DetachedResource } from './detached-resources.js';
import { RyouikiError } from './errors.js';
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
  private network: ContainerNetwork | undefined;
  private supervisorLink: Stream | undefined;
  private stack: ProcessIdentity | undefined;

  constructor(
    private readonly request: NetworkRequest,
    private readonly stateDir: string,
  ) {}

  /** Checks what can be checked, writes the generated name files, and binds them into the spec. */
  async prepare(spec: ContainerSpec): Promise<ContainerSpec> {
    try {
      ensureRuntimeDir(dirname(this.stateDir));
      this.network = await ContainerNetwork.prepare(this.request, { stateDir: this.stateDir, rootfs: spec.root.path });
    } catch (error) {
      throw asRyouikiError(error);
    }
    return withBindFiles(spec, this.network);
  }

  /** start() hands over its end of the socket pair whose other end the supervisor holds. */
  linkToSupervisor(link: Stream): void {
    this.supervisorLink = link;
  }

  async attach(pid: number): Promise<void> {
    const network = this.prepared();
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
    await this.network?.release();
  }

  /** Called once the start has succeeded: from then on the supervisor holds the network. */
  record(): ResourceRecord {
    this.network?.letGo();
    return { kind: KIND, stateDir: this.stateDir, stack: this.stack, publish: this.request.publish };
  }

  /** The generated files, until attach removes them. */
  recordBeforeAttach(): ResourceRecord {
    return { kind: KIND, stateDir: this.stateDir };
  }

  private prepared(): ContainerNetwork {
    if (this.network === undefined) throw new RyouikiError('NETWORK_FAILED', 'the network was attached before it was prepared');
    return this.network;
  }
}

/**
 * A detached container's network, for start(): it is prepared there, once
 * the container's first state is written, so that a start killed at any
 * moment has its generated files recorded.
 */
export function detachedNetwork(plan: ContainerPlan, options: StoreOptions = {}): DetachedNetwork {
  return new DetachedNetwork(plan.network, join(runtimeDir(options), shortId(plan.id)));
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
