import { networkRequest, newContainerId, type ContainerPlan } from '../spec/container-options.js';
import { problemsError, RyouikiError, type SpecProblem } from '../errors.js';
import { planIdMaps } from '../spec/id-map.js';
import type { ContainerSpec } from '../spec/spec.js';
import { specProblems } from '../spec/validate.js';
import type { OciBundle } from './bundle.js';

/** What a bundle's run adds on the command line: the network around it (its namespaces come from config.json). */
export interface BundleRunOptions {
  /** slirp4netns[:OPTIONS] or pasta, to connect the bundle's own network namespace; none and host follow from config.json. */
  network?: string;
  publish?: string[];
  dns?: string[];
  addHosts?: string[];
}

/** What a bundle gives a run: its own network namespace, one joined, or the host's. */
function bundleNetwork(spec: ContainerSpec): 'own' | 'joined' | 'host' {
  const namespace = spec.linux.namespaces.find((item) => item.type === 'network');
  if (namespace === undefined) return 'host';
  return namespace.path === undefined ? 'own' : 'joined';
}

/** --network for a bundle: only a network that fits its namespaces; by default what config.json says (only lo, or the host's). */
function networkMode(spec: ContainerSpec, given: string | undefined): string {
  const network = bundleNetwork(spec);
  if (given === undefined) return network === 'host' ? 'host' : 'none';
  const mode = given.split(':')[0] ?? '';
  if (network === 'own' && mode !== 'host') return given;
  if (network === 'host' && mode === 'host') return given;
  const has = network === 'own' ? 'gives the container its own network namespace' : network === 'host' ? "keeps the host's network (no network namespace)" : 'joins a network namespace by path';
  throw new RyouikiError('USAGE', `--network ${given} does not fit the bundle: its config.json ${has}: change linux.namespaces, or leave --network out`);
}

/** The user namespace maps, when config.json gives none: the full subordinate range when there is one, as tenkai. */
function withIdMaps(spec: ContainerSpec, warnings: string[]): void {
  const user = spec.linux.namespaces.find((namespace) => namespace.type === 'user');
  // No user namespace (root mode): the host's ids, unmapped.
  if (user === undefined || user.path !== undefined || spec.linux.uidMappings !== undefined) return;
  const maps = planIdMaps('auto');
  spec.linux.uidMappings = maps.uidMappings;
  spec.linux.gidMappings = maps.gidMappings;
  spec.linux.idMapsAreDefault = true;
  if (maps.fallbackReason !== undefined) warnings.push(`${maps.fallbackReason}: using a single-id map, only uid 0 exists inside (give linux.uidMappings to say this is intended)`);
}

/** Whether the id is mapped in the container's user namespace (its maps given, or none: the caller's own ids). */
function isMapped(id: number, maps: ContainerSpec['linux']['gidMappings']): boolean {
  return maps === undefined || maps.some((map) => id >= map.containerID && id < map.containerID + map.size);
}

/**
 * devpts's gid= where the group has no mapping is left out, as rootless runc
 * does: the kernel refuses the mount otherwise (podman asks for gid=5 with
 * the user namespace it made itself, which the container does not share).
 */
function withMappedDevptsGroup(spec: ContainerSpec): void {
  for (const mount of spec.mounts ?? []) {
    if (mount.type !== 'devpts') continue;
    mount.options = (mount.options ?? []).filter((option) => !/^gid=\d+$/.test(option) || isMapped(Number(option.slice(4)), spec.linux.gidMappings));
  }
}

/**
 * A bundle as a plan that run() and start() take (its network and hooks in it), checked
 * as a whole; warnings lists the fields --ignore-unsupported left out.
 */
export function planBundle(bundle: OciBundle, options: BundleRunOptions = {}): ContainerPlan {
  const spec = structuredClone(bundle.spec);
  const warnings = bundle.ignored.map((field) => `config.json: ${field} is not supported and was left out (--ignore-unsupported)`);
  const problems: SpecProblem[] = [];
  const network = networkRequest({ ...options, network: networkMode(spec, options.network) }, spec.hostname ?? 'ryouiki', problems);
  withIdMaps(spec, warnings);
  withMappedDevptsGroup(spec);
  problems.push(...specProblems(spec));
  if (problems.length > 0) throw problemsError(problems);
  const id = newContainerId();
  const startContainer = bundle.hooks.startContainer;
  if (startContainer !== undefined) {
    const state = { ociVersion: spec.ociVersion, id, status: 'created', bundle: bundle.bundleDir, annotations: bundle.annotations };
    spec.startContainerHooks = { hooks: startContainer, state };
  }
  const hooks = { hooks: bundle.hooks, context: { bundle: bundle.bundleDir, annotations: bundle.annotations, ociVersion: bundle.spec.ociVersion } };
  return { id, spec, commandLabel: spec.process.args.join(' '), network, warnings, hooks };
}
