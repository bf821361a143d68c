import { join } from 'node:path';
import { ContainerNetwork } from '@ryouiki/net';
import { shortId, type ContainerPlan } from './container-options.js';
import { asRyouikiError, withBindFiles } from './network-spec.js';
import type { StoreOptions } from './paths.js';
import type { ContainerResource } from './run.js';
import { ensureRuntimeDir, runtimeDir } from './runtime-dir.js';
import type { ContainerSpec } from './spec.js';

/** A plan with its network ready: the spec to run, the resource to attach, and a cleanup for any outcome. */
export interface PreparedNetwork {
  spec: ContainerSpec;
  resource: ContainerResource;
  /** Removes whatever is left of the network; safe to call more than once, also when run() never ran. */
  discard(): Promise<void>;
}

/**
 * Prepares the plan's network before the container starts: checks that
 * slirp4netns and /dev/net/tun are usable and every published host port is
 * free (one clear error, nothing started, otherwise), and generates the
 * container's /etc/resolv.conf and /etc/hosts, bound over the rootfs's files.
 *
 *   const network = await prepareNetwork(plan);
 *   try { await run(network.spec, options, [network.resource]); } finally { await network.discard(); }
 */
export async function prepareNetwork(plan: ContainerPlan, options: StoreOptions = {}): Promise<PreparedNetwork> {
  let network: ContainerNetwork;
  try {
    const runtime = runtimeDir(options);
    ensureRuntimeDir(runtime);
    const stateDir = join(runtime, shortId(plan.id));
    network = await ContainerNetwork.prepare(plan.network, { stateDir, rootfs: plan.spec.root.path });
  } catch (error) {
    throw asRyouikiError(error);
  }
  const resource: ContainerResource = {
    attach: async (pid) => {
      try {
        await network.attach(pid);
      } catch (error) {
        await network.release();
        throw asRyouikiError(error);
      }
    },
    release: () => network.release(),
  };
  return { spec: withBindFiles(plan.spec, network), resource, discard: () => network.release() };
}
