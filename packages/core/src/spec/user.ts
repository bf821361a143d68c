import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInRootfs } from './volumes.js';
import type { SpecProblem } from '../errors.js';
import type { ProcessUser } from './spec.js';

const NUMBER = /^\d+$/;
const MAX_ID = 0xfffffffe;

/**
 * The rootfs's own file, as `name:x:id:...` lines split at ':': found by the
 * one rootfs resolver, so a symlink in the rootfs (/etc/passwd -> /etc/x)
 * resolves inside it, never to the host's file.
 */
function databaseEntries(rootfs: string, file: string): string[][] {
  const path = resolveInRootfs(rootfs, `/etc/${file}`);
  if (path === undefined) return [];
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}

function problem(message: string): SpecProblem[] {
  return [{ path: 'process.user', code: 'USER_UNKNOWN', message }];
}

/**
 * Resolves `--user UID[:GID]` or `NAME[:GROUP]` against the rootfs's
 * /etc/passwd and /etc/group, as podman does: a number needs no entry (its
 * group is then the entry's, or 0); a name must have one.
 */
export function resolveUser(rootfs: string, text: string, problems: SpecProblem[]): ProcessUser | undefined {
  const [userPart = '', groupPart, extra] = text.split(':');
  if (userPart === '' || groupPart === '' || extra !== undefined) {
    problems.push(...problem(`--user ${text}: give UID[:GID] or NAME[:GROUP]`));
    return undefined;
  }
  const passwd = databaseEntries(rootfs, 'passwd');
  const entry = passwd.find((fields) => (NUMBER.test(userPart) ? fields[2] === userPart : fields[0] === userPart));
  if (!NUMBER.test(userPart) && entry === undefined) {
    problems.push(...problem(`--user ${text}: the rootfs has no user ${userPart} in /etc/passwd: give a numeric UID, or add the user to ${join(rootfs, 'etc', 'passwd')}`));
    return undefined;
  }
  const uid = Number(NUMBER.test(userPart) ? userPart : entry?.[2]);
  let gid = Number(entry?.[3] ?? 0);
  if (groupPart !== undefined) {
    const group = NUMBER.test(groupPart) ? [groupPart, 'x', groupPart] : databaseEntries(rootfs, 'group').find((fields) => fields[0] === groupPart);
    if (group === undefined) {
      problems.push(...problem(`--user ${text}: the rootfs has no group ${groupPart} in /etc/group: give a numeric GID`));
      return undefined;
    }
    gid = Number(group[2]);
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid > MAX_ID || gid > MAX_ID) {
    problems.push(...problem(`--user ${text}: the ids must be numbers from 0 to ${MAX_ID}`));
    return undefined;
  }
  return { uid, gid };
}

/** An id beyond the maps has no existence inside: say so before starting. */
export function userMappingProblems(user: ProcessUser | undefined, uidMapSize: number, gidMapSize: number, text: string): SpecProblem[] {
  if (user === undefined || (user.uid < uidMapSize && user.gid < gidMapSize)) return [];
  return problem(
    `--user ${text}: uid ${user.uid}:${user.gid} is not mapped in the container (only ${uidMapSize === 1 ? 'uid 0' : `ids 0 to ${uidMapSize - 1}`}): use the full id map (a subordinate range in /etc/subuid and /etc/subgid, --userns=auto)`,
  );
}
