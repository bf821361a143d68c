import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
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
