import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RyouikiError } from './errors.js';

/** A program built in helper/: the path in envVar if set, else helper/NAME of this checkout; it must exist. */
export function checkoutBinary(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[envVar];
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fileURLToPath(new URL(`../../../helper/${name}`, import.meta.url));
  if (!existsSync(path)) {
    throw new RyouikiError('HELPER_NOT_FOUND', `${path} is missing: run make at the top of the checkout, or point ${envVar} at ${name}`);
  }
  return path;
}
