import { RyouikiError } from '@ryouiki/core/internal';

/**
 * The root filesystem folder of IMAGE, for `ryouiki run IMAGE`: where an
 * image store plugs in. Until ryouiki has one, an image name is refused with
 * what to give instead.
 */
export async function imageRootfs(image: string, _root: string | undefined): Promise<string> {
  throw new RyouikiError('USAGE', `ryouiki keeps no images to find ${JSON.stringify(image)} in: give the root filesystem folder instead, as ryouiki run --path DIR`);
}

/** The image names `ryouiki run` completes: those of the image store, which ryouiki does not have yet. */
export async function imageNames(_root: string | undefined): Promise<string[]> {
  return [];
}
