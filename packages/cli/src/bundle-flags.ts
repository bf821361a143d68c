import { Flags } from '@oclif/core';
import { bundleHooks, loadOciBundle, planBundle, RyouikiError, type ContainerPlan, type DetachedResource } from '@ryouiki/core';

export const bundleFlags = {
  bundle: Flags.string({ description: 'run the OCI bundle in DIR: its config.json (runtime-spec 1.0 to 1.2) and root.path, instead of --path and a command', helpGroup: 'OCI' }),
  'ignore-unsupported': Flags.boolean({ description: 'with --bundle: leave out the config.json fields ryouiki does not implement (with a warning) instead of refusing the bundle', helpGroup: 'OCI' }),
};

/**
 * Flags that describe the container, which a bundle's config.json describes
 * instead: given with --bundle, they are refused rather than merged, so that
 * what runs is what config.json says.
 */
const CONTAINER_FLAGS = [
  'path', 'env', 'command', 'hostname', 'workdir', 'user', 'userns', 'volume', 'tmpfs', 'read-only', 'overlay',
  'cap-add', 'cap-drop', 'privileged', 'seccomp', 'memory', 'memory-swap', 'pids-limit', 'cpus', 'cpu-weight', 'tty',
  'image', 'entrypoint',
];

/** Where config.json says it. */
const CONFIG_FIELD: Record<string, string> = {
  path: 'root.path', env: 'process.env', command: 'process.args', hostname: 'hostname', workdir: 'process.cwd', user: 'process.user',
  userns: 'linux.uidMappings', volume: 'mounts', tmpfs: 'mounts', 'read-only': 'root.readonly', overlay: 'root', 'cap-add': 'process.capabilities',
  'cap-drop': 'process.capabilities', privileged: 'process.capabilities', seccomp: 'linux.seccomp', memory: 'linux.resources.memory',
  'memory-swap': 'linux.resources.memory', 'pids-limit': 'linux.resources.pids', cpus: 'linux.resources.cpu', 'cpu-weight': 'linux.resources.cpu',
  tty: 'process.terminal', image: 'root.path', entrypoint: 'process.args',
};

interface RawToken {
  type: 'flag' | 'arg';
  flag?: string;
}

export interface BundleFlagValues {
  bundle?: string;
  'ignore-unsupported'?: boolean;
  path?: string;
  network?: string;
  publish?: string[];
  dns?: string[];
  'add-host'?: string[];
}

export interface BundlePlan {
  plan: ContainerPlan;
  /** The bundle's hooks, to attach with the network. */
  resources: DetachedResource[];
}

function warn(message: string): void {
  process.stderr.write(`ryouiki: warning: ${message}\n`);
}

function refuseContainerFlags(raw: RawToken[], argv: unknown[]): void {
  const given = new Set(raw.filter((token) => token.type === 'flag').map((token) => token.flag ?? ''));
  const conflict = CONTAINER_FLAGS.find((flag) => given.has(flag));
  if (conflict !== undefined) {
    throw new RyouikiError('USAGE', `--${conflict} cannot be given with --bundle: the bundle's config.json says it (${CONFIG_FIELD[conflict]}): change config.json, or leave --${conflict} out`);
  }
  if (argv.length > 0) throw new RyouikiError('USAGE', `-- ${String(argv[0])} cannot be given with --bundle: the bundle's config.json gives the command (process.args)`);
}

/**
 * With --bundle, the plan of the bundle (after refusing the flags that would
 * contradict its config.json) and its hooks; without, undefined, after
 * checking that --path is given.
 */
export async function planFromBundleFlags(flags: BundleFlagValues, argv: unknown[], raw: RawToken[], hasImage = false): Promise<BundlePlan | undefined> {
  if (flags.bundle === undefined) {
    if (flags['ignore-unsupported'] === true) throw new RyouikiError('USAGE', '--ignore-unsupported goes with --bundle DIR');
    if (flags.path === undefined && !hasImage) throw new RyouikiError('USAGE', 'no container given: pass --path ROOTFS with a command, --image IMAGE, or --bundle DIR');
    return undefined;
  }
  refuseContainerFlags(raw, argv);
  const given = new Set(raw.filter((token) => token.type === 'flag').map((token) => token.flag ?? ''));
  const bundle = await loadOciBundle(flags.bundle, { ignoreUnsupported: flags['ignore-unsupported'] === true });
  const plan = planBundle(bundle, {
    network: given.has('network') ? flags.network : undefined,
    publish: flags.publish,
    dns: flags.dns,
    addHosts: flags['add-host'],
  });
  return { plan, resources: bundleHooks(bundle, plan.id, warn) };
}
