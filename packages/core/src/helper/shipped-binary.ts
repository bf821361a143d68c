import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RyouikiError } from '../errors.js';
import { softLimit } from '../store/proc-identity.js';

/**
 * Where @ryouiki/core ships the helper's binaries: next to this module's dist/
 * folder, or, when this module is bundled into another program (as the CLI
 * is), in the installed @ryouiki/core package that program depends on.
 */
function shippedCandidates(name: string): string[] {
  const candidates = [fileURLToPath(new URL(`../../helper/${name}`, import.meta.url))];
  try {
    const packageJson = createRequire(import.meta.url).resolve('@ryouiki/core/package.json');
    candidates.push(join(dirname(packageJson), 'helper', name));
  } catch {
    // Not installed as a package: the first candidate is the only one.
  }
  return candidates;
}

/** A binary of the helper: the path in envVar if set, else the one @ryouiki/core ships; it must exist. */
export function shippedBinary(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[envVar];
  const candidates = fromEnv !== undefined && fromEnv !== '' ? [fromEnv] : shippedCandidates(name);
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new RyouikiError('HELPER_NOT_FOUND', `${candidates[0]} is missing: run make at the top of the checkout, or point ${envVar} at a ${name} binary`);
  }
  return path;
}

/**
 * A binary of the helper that runs from a sealed copy of itself in memory
 * (ryouiki-init, ryouiki-exec): a file size limit below its size would have
 * the kernel kill the copy with SIGXFSZ, so it is refused here, in one line.
 */
export function sealedBinary(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = shippedBinary(name, envVar, env);
  const limit = softLimit('Max file size');
  const size = statSync(path).size;
  if (limit !== undefined && limit < size) {
    throw new RyouikiError(
      'HELPER_FAILED',
      `the file size limit (ulimit -f) of ${limit} bytes is below the size of ${name} (${size} bytes), which runs from a copy of itself in memory: raise it, e.g. ulimit -f unlimited`,
    );
  }
  return path;
}
