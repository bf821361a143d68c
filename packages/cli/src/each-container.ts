import { RyouikiError } from '@ryouiki/core/internal';
import { reportError } from './error-report.js';

/**
 * Runs an action on each container a person named, going on after a failure
 * as podman does: each failure is reported on its own line, and the last one
 * decides the exit code.
 */
export async function forEachContainer(queries: string[], action: (query: string) => Promise<void>): Promise<void> {
  let last: unknown;
  for (const query of queries) {
    try {
      await action(query);
    } catch (error) {
      if (last !== undefined) reportError(last);
      last = error;
    }
  }
  if (last !== undefined) throw last;
}

/** forEachContainer that keeps what the action gave for each container, in order: what --json prints. */
export async function mapContainers<T>(queries: string[], action: (query: string) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  await forEachContainer(queries, async (query) => {
    results.push(await action(query));
  });
  return results;
}

/**
 * The containers a command acts on: those named, or with --all every
 * container of the store that `wanted` keeps (in ps order). Naming some and
 * giving --all, or neither, is a usage error that says how to call it.
 */
export async function namedOrAll(names: string[], all: boolean, usage: string, listAll: () => Promise<string[]>): Promise<string[]> {
  if (all && names.length > 0) throw new RyouikiError('USAGE', `give either container names or --all, not both: ${usage}`);
  if (all) return listAll();
  if (names.length === 0) throw new RyouikiError('USAGE', `name the containers, or give --all: ${usage}`);
  return names;
}
