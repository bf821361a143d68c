import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Removes the shared rootfs. A test that failed may have left a container
 * running (its own assertion already reported that): kill what remains, so a
 * failed run does not leave processes behind on the machine either.
 */
export default function globalTeardown(): void {
  spawnSync('pkill', ['-KILL', '-u', String(process.getuid?.()), '-x', 'ryouiki-init']);
  const rootfs = process.env.RYOUIKI_TEST_ROOTFS;
  if (rootfs !== undefined) rmSync(dirname(rootfs), { recursive: true, force: true });
  // A folder of the user's home that was not there before the run and is now: a test wrote outside its own folders.
  const left = (JSON.parse(process.env.RYOUIKI_TEST_HOME_FOLDERS ?? '[]') as string[]).filter((folder) => existsSync(folder));
  if (left.length > 0) throw new Error(`the tests left ${left.join(' and ')} behind: a test ran without --root or its own XDG folders`);
}
