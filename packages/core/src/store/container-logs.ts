import { currentLogRecords, followLogRecords, type LogRecord } from '@ryouiki/logs';
import { inspectContainer } from './container-control.js';
import type { StoreOptions } from './paths.js';

export interface ContainerLogOptions extends StoreOptions {
  /** Keep reading what the container writes until it has stopped (as `logs -f`). */
  follow?: boolean;
  signal?: AbortSignal;
}

/**
 * A detached container's log records (CRI format, pieces of lines included)
 * as an async iterable: what is there, and with `follow`, what comes, until
 * the container has stopped and its supervisor has written the last of it.
 *
 *   for await (const record of containerLog('web', { follow: true })) process.stdout.write(record.content);
 */
export async function* containerLog(query: string, options: ContainerLogOptions = {}): AsyncGenerator<LogRecord> {
  const state = await inspectContainer(query, options);
  if (options.follow !== true) {
    yield* currentLogRecords(state.logPath);
    return;
  }
  const ended = async (): Promise<boolean> => (await inspectContainer(state.id, options)).status === 'stopped';
  yield* followLogRecords(state.logPath, { ended, signal: options.signal });
}
