import { Flags } from '@oclif/core';
import { ensureImage, parseEntrypoint, publishAllSpecs, RyouikiError, type ResolvedImage } from '@ryouiki/core';
import { progressOnStderr, registryFlags, registryOptions } from './registry-flags.js';

/** tenkai's and start's flags for running an image instead of a folder. */
export const imageFlags = {
  image: Flags.string({ description: 'run this image (pulled first when the store lacks it) instead of a --path folder: its layers under a fresh overlay, its config\'s command, env, workdir and user as defaults', helpGroup: 'IMAGE' }),
  entrypoint: Flags.string({ description: 'with an image: replaces its Entrypoint (a program, or a JSON array; \'\' clears it)', helpGroup: 'IMAGE' }),
  'publish-all': Flags.boolean({ char: 'P', description: 'with an image: publish every port it exposes on a free host port', helpGroup: 'IMAGE' }),
  ...Object.fromEntries(Object.entries(registryFlags).map(([name, flag]) => [name, { ...flag, helpGroup: 'IMAGE' }])) as typeof registryFlags,
};

export interface ImageFlagValues {
  image?: string;
  entrypoint?: string;
  'publish-all'?: boolean;
  path?: string;
  bundle?: string;
  publish?: string[];
  root?: string;
  'tls-verify'?: string;
  'cert-dir'?: string;
  authfile?: string;
}

/** `start IMAGE [CMD...]`: a first argument before any `--`, with neither --path, --bundle nor --image, names the image. */
function positionalImage(flags: ImageFlagValues, argv: string[], commandLine: string[]): string | undefined {
  if (flags.image !== undefined || flags.path !== undefined || flags.bundle !== undefined || argv.length === 0) return undefined;
  const dashes = commandLine.indexOf('--');
  const first = commandLine.indexOf(argv[0] ?? '');
  return first >= 0 && (dashes < 0 || first < dashes) ? argv[0] : undefined;
}

export interface ImageChoice {
  image?: ResolvedImage;
  /** The command's arguments, the image's name taken off. */
  args: string[];
  entrypoint?: string[];
  /** --publish with -P's ports added. */
  publish?: string[];
}

/** Resolves --image (or the positional IMAGE), pulling it when missing. */
export async function imageFromFlags(flags: ImageFlagValues, argv: string[], commandLine = process.argv.slice(2)): Promise<ImageChoice> {
  const positional = positionalImage(flags, argv, commandLine);
  const reference = flags.image ?? positional;
  const args = positional === undefined ? argv : argv.slice(1);
  if (reference === undefined) {
    if (flags.entrypoint !== undefined || flags['publish-all'] === true) throw new RyouikiError('USAGE', `--${flags.entrypoint !== undefined ? 'entrypoint' : 'publish-all'} needs an image: give --image IMAGE`);
    return { args, publish: flags.publish };
  }
  if (flags.path !== undefined) throw new RyouikiError('USAGE', 'give either --path DIR or --image IMAGE, not both');
  const image = await ensureImage(reference, { root: flags.root, ...registryOptions(flags), onProgress: progressOnStderr(false) });
  const publish = [...(flags.publish ?? []), ...(flags['publish-all'] === true ? await publishAllSpecs(image) : [])];
  return { image, args, entrypoint: parseEntrypoint(flags.entrypoint), publish };
}
