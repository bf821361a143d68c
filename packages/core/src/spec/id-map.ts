import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { childProcess } from '../lazy-builtin.js';
import { RyouikiError } from '../errors.js';
import type { IdMapping, Linux } from './spec.js';

/** `auto`: the full subordinate range when there is one (podman's default); `single`: only uid 0 inside. */
export type UsernsMode = 'auto' | 'single';
export const USERNS_MODES: UsernsMode[] = ['auto', 'single'];

export interface IdRange {
  start: number;
  count: number;
}

/**
 * The first range of /etc/subuid or /etc/subgid text (`NAME_OR_ID:START:COUNT`
 * lines) that belongs to the user, as shadow's newuidmap reads it.
 */
export function subordinateRange(text: string, name: string, id: number): IdRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== name && owner !== String(id)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isSafeInteger(range.start) && Number.isSafeInteger(range.count) && range.count > 0) return range;
  }
  return undefined;
}

/** Container 0 is the caller; 1..count are the subordinate range. */
export function fullMappings(ownId: number, range: IdRange): IdMapping[] {
  return [
    { containerID: 0, hostID: ownId, size: 1 },
    { containerID: 1, hostID: range.start, size: range.count },
  ];
}

export function singleMapping(ownId: number): IdMapping[] {
  return [{ containerID: 0, hostID: ownId, size: 1 }];
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface IdMapPlan {
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** Why the full map cannot be used, when `auto` falls back to the single-id map. */
  fallbackReason?: string;
}

/** Decides the container's id maps for the calling user. */
export function planIdMaps(mode: UsernsMode, env: NodeJS.ProcessEnv = process.env, etc = '/etc'): IdMapPlan {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  const single = { uidMappings: singleMapping(uid), gidMappings: singleMapping(gid) };
  if (mode === 'single') return single;
  const name = userInfo().username;
  const uidRange = subordinateRange(readText(join(etc, 'subuid')), name, uid);
  const gidRange = subordinateRange(readText(join(etc, 'subgid')), name, uid);
  if (uidRange === undefined || gidRange === undefined) {
    return { ...single, fallbackReason: `${name} has no subordinate id range in ${join(etc, uidRange === undefined ? 'subuid' : 'subgid')}` };
  }
  const missing = ['newuidmap', 'newgidmap'].find((program) => findOnPath(program, env) === undefined);
  if (missing !== undefined) return { ...single, fallbackReason: `${missing} is not installed (apt-get install uidmap)` };
  return { uidMappings: fullMappings(uid, uidRange), gidMappings: fullMappings(gid, gidRange) };
}

/** True when the maps need newuidmap/newgidmap: anything beyond the caller's own id as uid 0 (what the helper writes unasked). */
function needsExternalIdMaps(uidMappings: IdMapping[] | undefined, ownUid = process.geteuid?.() ?? 0): boolean {
  if (uidMappings === undefined) return false;
  const [only] = uidMappings;
  return uidMappings.length > 1 || (only !== undefined && !(only.containerID === 0 && only.hostID === ownUid && only.size === 1));
}

/** The first PROGRAM on PATH, as a full path; found once per PATH (a helper's start needs it each time). */
const foundOnPath = new Map<string, string>();

export function findOnPath(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.PATH ?? '/usr/bin:/bin';
  const key = `${path}\0${program}`;
  const known = foundOnPath.get(key);
  if (known !== undefined) return known;
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      foundOnPath.set(key, candidate);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

function mapFlags(flag: '--uid-map' | '--gid-map', mappings: IdMapping[]): string[] {
  return mappings.flatMap((m) => [flag, `${m.containerID}:${m.hostID}:${m.size}`]);
}

/**
 * The helper's flags for maps beyond the caller's own id: it writes them
 * itself, with newuidmap and newgidmap found here on our PATH (the helper's
 * environment is the container's). Only Ryouiki's default map may fall back
 * to a single-id map; maps a caller asked for never are.
 */
export function idMapArgs(linux: Pick<Linux, 'uidMappings' | 'gidMappings' | 'idMapsAreDefault'>, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!needsExternalIdMaps(linux.uidMappings)) return [];
  const args = [...mapFlags('--uid-map', linux.uidMappings ?? []), ...mapFlags('--gid-map', linux.gidMappings ?? singleMapping(process.getegid?.() ?? 0))];
  for (const tool of ['newuidmap', 'newgidmap']) {
    const path = findOnPath(tool, env);
    if (path !== undefined) args.push(`--${tool}`, path);
  }
  if (linux.idMapsAreDefault === true) args.push('--id-map-fallback');
  return args;
}

function mapArgs(pid: number, mappings: IdMapping[]): string[] {
  return [String(pid), ...mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

/** The caller's own uid as 0, written without newuidmap. */
function writeSingleUidMap(pid: number): void {
  writeFileSync(`/proc/${pid}/uid_map`, `0 ${process.geteuid?.() ?? 0} 1\n`);
}

/** The caller's own ids as 0, written without newuidmap and newgidmap. */
export function writeSingleMaps(pid: number): void {
  writeFileSync(`/proc/${pid}/setgroups`, 'deny');
  writeSingleUidMap(pid);
  writeFileSync(`/proc/${pid}/gid_map`, `0 ${process.getegid?.() ?? 0} 1\n`);
}

/** As root the maps are written as asked, as runc does: newuidmap's /etc/subuid ranges are for the unprivileged. */
function writeMapsAsRoot(pid: number, uidMappings: IdMapping[], gidMappings: IdMapping[]): void {
  const text = (mappings: IdMapping[]): string => mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
  writeFileSync(`/proc/${pid}/uid_map`, text(uidMappings));
  writeFileSync(`/proc/${pid}/gid_map`, text(gidMappings));
}

/**
 * Writes the full maps of ryouiki-unpack's user namespace (a container's are
 * the helper's own: idMapArgs). When
 * newuidmap refuses (a setuid bit missing, a range it will not grant), falls
 * back to the single-id map and says why through warn, given for Ryouiki's
 * default map only: maps the user asked for are never silently replaced.
 */
export async function writeIdMaps(pid: number, uidMappings: IdMapping[], gidMappings: IdMapping[], warn: ((message: string) => void) | undefined): Promise<void> {
  if (process.geteuid?.() === 0) {
    writeMapsAsRoot(pid, uidMappings, gidMappings);
    return;
  }
  // Side by side: the container waits for both, and neither needs the other.
  const [uidFailure, gidFailure] = await Promise.all([runMapTool('newuidmap', mapArgs(pid, uidMappings)), runMapTool('newgidmap', mapArgs(pid, gidMappings))]);
  if (uidFailure !== undefined && warn === undefined) {
    throw new RyouikiError('IDMAP_FAILED', `linux.uidMappings: newuidmap refused them (${uidFailure}): give ranges of your own in /etc/subuid`);
  }
  if (uidFailure !== undefined) {
    warn?.(`newuidmap failed (${uidFailure}): using a single-id map, only uid 0 exists inside`);
    // The kernel takes a map once: a full gid map newgidmap wrote beside it stays.
    if (gidFailure !== undefined) writeSingleMaps(pid);
    else writeSingleUidMap(pid);
    return;
  }
  if (gidFailure !== undefined) {
    throw new RyouikiError('IDMAP_FAILED', `newgidmap failed: ${gidFailure}: check /etc/subgid, or use --userns=single`);
  }
}

/**
 * Runs newuidmap or newgidmap; resolves with why it failed (its stderr, or
 * why it could not run), or undefined. A plain child process: this is on
 * every default container's start, where execa's own set-up costs more than
 * the spawn.
 */
function runMapTool(tool: 'newuidmap' | 'newgidmap', args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    childProcess().execFile(tool, args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) resolve(undefined);
      else resolve(stderr.trim() || (typeof error.code === 'string' ? `${tool}: ${error.code}` : `${tool} exited with ${error.code ?? error.signal}`));
    });
  });
}
