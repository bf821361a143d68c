import { Flags } from '@oclif/core';
import { ensureImage, parseEntrypoint, publishAllSpecs, RyouikiError, type ResolvedImage } from '@ryouiki/core/internal';
import { progressOnStderr, registryFlags, registryOptions } from './registry-flags.js';

/** The flags of tenkai, start and run for running an image instead of a folder. */
export const imageFlags = {
  image: Flags.string({
    description: "run this image (pulled first when the store lacks it) instead of a --path folder: its layers under a fresh overlay, its config's command, env, workdir and user as defaults",
    helpGroup: 'IMAGE',
  }),
  entrypoint: Flags.string({ description: "with an image: replaces its Entrypoint (a program, or a JSON array; '' clears it)", helpGroup: 'IMAGE' }),
  'publish-all': Flags.boolean({ char: 'P', description: 'with an image: publish every port it exposes on a free host port', helpGroup: 'IMAGE' }),
  ...(Object.fromEntries(Object.entries(registryFlags).map(([name, flag]) => [name, { ...flag, helpGroup: 'IMAGE' }])) as typeof registryFlags),
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

/** What an image puts into the plan besides the flags: its layers and config, and what -P and --entrypoint made of them. */
export interface ImageChoice {
  image: ResolvedImage;
  entrypoint?: string[];
  /** --publish with -P's ports added. */
  publish?: string[];
}

/**
 * The image of --image, or of the IMAGE argument of run and start, resolved
 * (pulled first when the store lacks it); undefined for a --path or --bundle container.
 */
export async function imageFromFlags(flags: ImageFlagValues, positional?: string): Promise<ImageChoice | undefined> {
  if (flags.image !== undefined && positional !== undefined) throw new RyouikiError('USAGE', `give the image once: --image ${flags.image} or ${positional}, not both`);
  const reference = flags.image ?? positional;
  if (reference === undefined) {
    if (flags.entrypoint !== undefined || flags['publish-all'] === true)
      throw new RyouikiError('USAGE', `--${flags.entrypoint !== undefined ? 'entrypoint' : 'publish-all'} needs an image: give --image IMAGE`);
    return undefined;
  }
  if (flags.path !== undefined) throw new RyouikiError('USAGE', 'give either --path DIR or an image, not both');
  if (flags.bundle !== undefined) throw new RyouikiError('USAGE', 'give either --bundle DIR or an image, not both');
  const image = await ensureImage(reference, { root: flags.root, ...registryOptions(flags), onProgress: progressOnStderr(false) });
  const publish = [...(flags.publish ?? []), ...(flags['publish-all'] === true ? await publishAllSpecs(image) : [])];
  return { image, entrypoint: parseEntrypoint(flags.entrypoint), publish };
}

/** run's and start's IMAGE argument: their first positional, unless --path, --bundle or --image gives the container. */
export function imagePositionals(seen: ReadonlySet<string>): number {
  return seen.has('path') || seen.has('bundle') || seen.has('image') ? 0 : 1;
}
