import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The program's path: `override` if set (it must exist), else the first match in PATH. */
export function findProgram(name: string, override: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (override !== undefined && override !== '') return isExecutable(override) ? override : undefined;
  const searchPath = env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return searchPath
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
    .find(isExecutable);
}
