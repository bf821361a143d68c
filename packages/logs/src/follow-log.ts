import { readFileSync } from 'node:fs';
import { LogFollower, parseLogText, previousLogPath, type LogRecord } from './cri-log.js';

export interface FollowOptions {
  /** Whether the writer is done: once it says so, what is left is read and the iteration ends. */
  ended: () => boolean | Promise<boolean>;
  /** How often to look for more, in milliseconds (default 50). */
  pollMs?: number;
  /** Ends the iteration early. */
  signal?: AbortSignal;
}

function previousRecords(logPath: string): LogRecord[] {
  try {
    return parseLogText(readFileSync(previousLogPath(logPath), 'utf8'));
  } catch {
    return [];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The records a container log holds now: the rotated previous file's, then the current file's. */
export function currentLogRecords(logPath: string): LogRecord[] {
  const follower = new LogFollower(logPath, 0);
  try {
    return [...previousRecords(logPath), ...follower.poll()];
  } finally {
    follower.close();
  }
}

/**
 * A container log as an async iterable: every record it holds (the rotated
 * previous file first), then each record as it is written, across rotations,
 * until `ended()` says the writer is done and the last of it has been read.
 */
export async function* followLogRecords(logPath: string, options: FollowOptions): AsyncGenerator<LogRecord> {
  const follower = new LogFollower(logPath, 0);
  try {
    yield* previousRecords(logPath);
    while (options.signal?.aborted !== true) {
      const ended = await options.ended();
      yield* follower.poll();
      if (ended) return;
      await sleep(options.pollMs ?? 50);
    }
  } finally {
    follower.close();
  }
}
