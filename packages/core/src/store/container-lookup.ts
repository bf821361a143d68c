import { listContainerIds } from './container-state.js';
import { nameOwner } from './container-names.js';
import { RyouikiError } from '../errors.js';
import type { StoreDirs } from './runtime-dir.js';

const MIN_PREFIX = 4;

/**
 * The id a person means: a whole id, a name, or a unique prefix of at least
 * four hex digits, in that order (as podman resolves them).
 */
export function resolveContainerId(query: string, ids: string[], ownerOfName: (name: string) => string | undefined): string {
  if (ids.includes(query)) return query;
  const named = ownerOfName(query);
  if (named !== undefined && ids.includes(named)) return named;
  if (query.length >= MIN_PREFIX && /^[0-9a-f]+$/.test(query)) {
    const matches = ids.filter((id) => id.startsWith(query));
    if (matches.length === 1) return matches[0] as string;
    if (matches.length > 1) {
      throw new RyouikiError('CONTAINER_AMBIGUOUS', `${query} matches ${matches.length} containers (${matches.map((id) => id.slice(0, 12)).join(', ')}): give more of the id`);
    }
  }
  const hint = query.length < MIN_PREFIX && /^[0-9a-f]+$/.test(query) ? ' (an id prefix needs at least 4 digits)' : '';
  throw new RyouikiError('CONTAINER_NOT_FOUND', `no container ${query}${hint}: list them with ryouiki ps -a`);
}

export function findContainerId(dirs: StoreDirs, query: string): string {
  return resolveContainerId(query, listContainerIds(dirs), (name) => nameOwner(dirs, name));
}
