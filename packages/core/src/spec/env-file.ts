import { readFileSync } from 'node:fs';
import { RyouikiError } from '../errors.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An environment as OCI keeps it: `KEY=VALUE` strings, in order, each key once. */
export type EnvList = string[];

/**
 * Parses the seed's env file: `KEY=VALUE` lines, blank lines and `#` comments
 * ignored, the value taken literally (no quote removal, as docker's --env-file).
 * A later line for the same key replaces the earlier one.
 */
export function parseEnvFile(text: string, fileName: string): EnvList {
  const values = new Map<string, string>();
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const equals = line.indexOf('=');
    const key = equals === -1 ? '' : line.slice(0, equals);
    if (!ENV_NAME.test(key)) {
      throw new RyouikiError('ENV_FILE_INVALID', `env file ${fileName} line ${index + 1}: expected KEY=VALUE with KEY of letters, digits and _, got ${JSON.stringify(line)}`);
    }
    if (line.includes('\0')) {
      throw new RyouikiError('ENV_FILE_INVALID', `env file ${fileName} line ${index + 1}: the value of ${key} holds a NUL byte, which no environment can carry: remove it`);
    }
    values.delete(key);
    values.set(key, line.slice(equals + 1));
  });
  return [...values].map(([key, value]) => `${key}=${value}`);
}

export function envHasKey(env: EnvList, key: string): boolean {
  return env.some((entry) => entry.startsWith(`${key}=`));
}

/** The container environment: exactly the given one, plus the standard PATH when it has none. */
export function withDefaultPath(env: EnvList): EnvList {
  return envHasKey(env, 'PATH') ? env : [...env, `PATH=${DEFAULT_PATH}`];
}

export function readEnvFile(fileName: string): EnvList {
  let text: string;
  try {
    text = readFileSync(fileName, 'utf8');
  } catch (error) {
    throw envFileReadError(fileName, error);
  }
  return parseEnvFile(text, fileName);
}

function envFileReadError(fileName: string, error: unknown): RyouikiError {
  const errno = (error as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT') {
    return new RyouikiError('ENV_FILE_NOT_FOUND', `env file ${fileName} does not exist: give --env an existing KEY=VALUE file`, { cause: error });
  }
  if (errno === 'EISDIR') {
    return new RyouikiError('ENV_FILE_UNREADABLE', `env file ${fileName} is a directory: give --env a KEY=VALUE file`, { cause: error });
  }
  const reason = (error as Error).message;
  return new RyouikiError('ENV_FILE_UNREADABLE', `env file ${fileName} cannot be read (${reason}): check its permissions`, { cause: error });
}

/** An env list as a process environment object (for a child's own environment). */
export function environmentObject(env: EnvList): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const entry of env) {
    const equals = entry.indexOf('=');
    environment[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return environment;
}
