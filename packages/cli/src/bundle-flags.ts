import { Flags } from '@oclif/core';
import { CONTAINER_FLAGS, loadOciBundle, planBundle, RyouikiError, type ContainerPlan } from '@ryouiki/core/internal';

export const bundleFlags = {
  bundle: Flags.string({ description: 'run the OCI bundle in DIR: its config.json (runtime-spec 1.0 to 1.2) and root.path, instead of --path and a command', helpGroup: 'OCI' }),
  'ignore-unsupported': Flags.boolean({ description: 'with --bundle: leave out the config.json fields ryouiki does not implement (with a warning) instead of refusing the bundle', helpGroup: 'OCI' }),
};

/**
 * Flags that describe the container, which a bundle's config.json describes
 * instead (the flag table's config field): given with --bundle, they are
 * refused rather than merged, so that what runs is what config.json says.
 */
// -e and --env-file are laid over the plan's environment by the CLI itself (launch.ts); an image is resolved there too.
const BUNDLE_FIELDS = new Map([
  ...CONTAINER_FLAGS.flatMap((entry) => (entry.config === undefined ? [] : [[entry.flag, entry.config] as const])),
  ['env-var', 'process.env'],
  ['env-file', 'process.env'],
  ['image', 'root.path'],
  ['entrypoint', 'process.args'],
]);

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
  /** The bundle's plan, its hooks included. */
  plan: ContainerPlan;
}

function refuseContainerFlags(raw: RawToken[], argv: unknown[]): void {
  const given = new Set(raw.filter((token) => token.type === 'flag').map((token) => token.flag ?? ''));
  const conflict = [...BUNDLE_FIELDS.keys()].find((flag) => given.has(flag));
  if (conflict !== undefined) {
    throw new RyouikiError('USAGE', `--${conflict} cannot be given with --bundle: the bundle's config.json says it (${BUNDLE_FIELDS.get(conflict)}): change config.json, or leave --${conflict} out`);
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
  return { plan };
}
