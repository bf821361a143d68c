import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { RyouikiError } from '../errors.js';
import { childProcess } from '../lazy-builtin.js';
import { idMapArgs, planIdMaps } from '../spec/id-map.js';
import { helperFailure } from '../helper/helper.js';
import { shippedBinary } from '../helper/shipped-binary.js';

/*
 * ryouiki-unpack, the process that writes, reads and removes layer folders
 * inside a user namespace of the user's id map (their files may belong to
 * subordinate ids). Apart from the tar parsing of unpack.ts, so that rm and
 * ryouiki-runtime delete reach it without tar-stream.
 */

/** How ryouiki-unpack begins a message on stderr (the helper's code it shares says ryouiki-init: PROGRAM_NAME, helper/src/utils.h). */
export const UNPACKER_PREFIX = /^ryouiki-(unpack|init): /;

function unpackBinary(): string {
  return shippedBinary('ryouiki-unpack', 'RYOUIKI_UNPACK');
}

export interface Unpacker {
  child: ChildProcessWithoutNullStreams;
  stderr: string[];
  done: Promise<number>;
}

/** Why ryouiki-unpack did not start: its id map's failure as a container's (helperFailure), or what it said. */
function unpackerStartFailure(stderr: string[]): RyouikiError {
  const idMap = stderr.find((line) => UNPACKER_PREFIX.test(line) && line.replace(UNPACKER_PREFIX, '').startsWith('id map: new'));
  if (idMap !== undefined) return helperFailure(idMap.replace(UNPACKER_PREFIX, ''), 125);
  return new RyouikiError('IMAGE_LAYER_REFUSED', `ryouiki-unpack did not start: ${stderr.join(' ') || 'no reason given'}`);
}

/** Starts ryouiki-unpack, which writes its own id maps (the user's full map, as a container's); `rootless` when the user has no subordinate range. */
export async function startUnpacker(args: string[]): Promise<Unpacker & { rootless: boolean }> {
  const plan = planIdMaps('auto');
  const rootless = plan.fallbackReason !== undefined;
  const writes = args[0] !== '--remove' && args[0] !== '--tar';
  const maps = idMapArgs({ ...plan, idMapsAreDefault: true });
  const child = childProcess().spawn(unpackBinary(), [...maps, ...(rootless && writes ? ['--rootless-xattr'] : []), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
  child.stdin.on('error', () => undefined);
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), done.then(() => [undefined])])) as [string | undefined];
  if (line !== 'ready') throw unpackerStartFailure(stderr);
  return { child, stderr, done, rootless };
}

/** Removes a layer folder whose files may belong to the user's subordinate ids. */
export async function removeLayerTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const unpacker = await startUnpacker(['--remove', dir]);
  unpacker.child.stdin.end('g');
  const code = await unpacker.done;
  if (code !== 0) throw new RyouikiError('IMAGE_LAYER_REFUSED', `cannot remove ${dir}: ${unpacker.stderr.join(' ')}`);
}

/** Writes DIR, whose files may belong to the user's subordinate ids, as a tar FILE with numeric owners as the container sees them. */
export async function tarFolder(dir: string, file: string): Promise<void> {
  const unpacker = await startUnpacker(['--tar', dir, file]);
  unpacker.child.stdin.end('g');
  const code = await unpacker.done;
  if (code !== 0) throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot read ${dir}: ${unpacker.stderr.join(' ') || `tar exited with ${code}`}`);
}
