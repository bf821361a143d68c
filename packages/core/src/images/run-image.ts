/**
 * The library's way to run an image: `runImage({ image: 'alpine', command: ['echo', 'hi'] })`.
 * The image is pulled when the store lacks it, resolved (resolveImage), planned
 * (planContainer's image field) and run by the one launch pipeline.
 */
import { planContainer, type ContainerOptions } from '../container-options.js';
import { prepareNetwork } from '../network.js';
import { run, type RunOptions, type RunResult } from '../run.js';
import type { PullOptions } from './pull.js';
import { ensureImage } from './resolve.js';

export interface ImageRunRequest extends Omit<ContainerOptions, 'path' | 'image' | 'args' | 'entrypoint' | 'command'> {
  image: string;
  /** Replaces the image's Cmd (its Entrypoint stays, as with docker run IMAGE ARGS). */
  command?: string[];
  /** Replaces the image's Entrypoint; [] clears it. */
  entrypoint?: string[];
  /** How to reach the registry when the image must be pulled. */
  registry?: Omit<PullOptions, 'root'>;
}

export async function runImage(request: ImageRunRequest, options: RunOptions = {}): Promise<RunResult> {
  const { image: reference, command, registry, ...rest } = request;
  const image = await ensureImage(reference, { ...registry, root: options.root });
  const plan = planContainer({ ...rest, path: image.lowerDirs[0] ?? '', image, args: command ?? [], network: rest.network ?? 'none' });
  const network = await prepareNetwork(plan, { root: options.root });
  try {
    return await run(network.spec, { id: plan.id, commandLabel: plan.commandLabel, ...options }, [network.resource]);
  } finally {
    await network.discard();
  }
}
