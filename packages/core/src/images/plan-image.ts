/** What a resolved image puts in a container's plan: its root overlay, its command and its environment. */
import { createServer } from 'node:net';
import type { EnvList } from '../spec/env-file.js';
import type { Root } from '../spec/spec.js';
import type { ResolvedImage } from './resolve.js';

export type { ResolvedImage } from './resolve.js';

/** The root: the image's layers as the overlay's lower folders, a fresh upper folder per container. */
export function imageRoot(image: ResolvedImage, readonly: boolean): Root {
  const [top = '', ...lower] = image.lowerDirs;
  const { stopSignal, labels } = image.defaults;
  return {
    path: top,
    readonly,
    overlay: true,
    lowerPaths: lower,
    image: { name: image.name, id: image.id, ...(stopSignal === undefined ? {} : { stopSignal }), ...(Object.keys(labels).length === 0 ? {} : { labels }) },
  };
}

/** As docker: arguments replace Cmd, --entrypoint replaces Entrypoint (and then Cmd is not used). */
export function imageArgs(image: ResolvedImage, entrypoint: string[] | undefined, args: string[]): string[] {
  const cmd = args.length > 0 || entrypoint !== undefined ? args : image.defaults.cmd;
  return [...(entrypoint ?? image.defaults.entrypoint), ...cmd];
}

function key(entry: string): string {
  const equals = entry.indexOf('=');
  return equals < 0 ? entry : entry.slice(0, equals);
}

/** The image's Env, each key the container's own list gives replaced by it. */
export function imageEnv(image: ResolvedImage | undefined, own: EnvList): EnvList {
  if (image === undefined) return own;
  const ownKeys = new Set(own.map(key));
  return [...image.defaults.env.filter((entry) => !ownKeys.has(key(entry))), ...own];
}

/** `--entrypoint` as podman takes it: a JSON array, else one program; '' clears it. */
export function parseEntrypoint(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  if (text === '') return [];
  if (text.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed as string[];
    } catch {
      // not JSON: one program name
    }
  }
  return [text];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** `-P`: each port the image exposes, published on a free host port (as podman picks one). */
export async function publishAllSpecs(image: ResolvedImage): Promise<string[]> {
  const specs: string[] = [];
  for (const exposed of image.defaults.exposedPorts) {
    const [port = '', protocol = 'tcp'] = exposed.split('/');
    specs.push(`${await freePort()}:${port}/${protocol}`);
  }
  return specs;
}
