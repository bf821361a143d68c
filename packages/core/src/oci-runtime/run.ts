import { setTimeout as sleep } from 'node:timers/promises';
import { FORWARDED_SIGNALS } from '../launch/forwarded-signals.js';
import { isAlive } from '../store/proc-identity.js';
import { ociCreate, type CreateOptions } from './create.js';
import { ociDelete, ociStart } from './lifecycle.js';
import { ociRoot, readHelperReport, readRecord } from './store.js';

/** How often run checks whether its container has ended. */
const WAIT_MS = 20;

/** The command's exit code, once the supervisor of a foreground container has ended. */
function foregroundExitCode(root: string, id: string): number {
  const report = readHelperReport(root, id);
  return report.exitCode ?? 125;
}

/**
 * OCI run in the foreground: create, start, wait for the command's end and
 * delete; resolves with its exit code. Signals to ryouiki-runtime go to the
 * container's init, which forwards them to the command.
 */
export async function ociRun(id: string, options: CreateOptions): Promise<number> {
  const pid = await ociCreate(id, { ...options, foreground: true });
  const root = ociRoot(options);
  const forward = (signal: NodeJS.Signals): void => {
    try {
      process.kill(pid, signal);
    } catch {
      // ended meanwhile
    }
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    await ociStart(id, options);
    const record = readRecord(root, id);
    while (isAlive(record.monitor)) await sleep(WAIT_MS);
    return foregroundExitCode(root, id);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    await ociDelete(id, true, options);
  }
}
