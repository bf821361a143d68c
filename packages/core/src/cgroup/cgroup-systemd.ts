import { childProcess } from '../lazy-builtin.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readControllers } from './cgroup-system.js';
import { RyouikiError } from '../errors.js';

/**
 * A transient systemd scope with Delegate=yes, made by the caller's own
 * systemd user manager over D-Bus (with busctl, which ships with systemd), as
 * podman does on a systemd host: the cgroup of a container whose caller sits
 * in a cgroup it may not write (a login shell's session scope) or cannot
 * share (a service with other processes). Pure cgroup v2 only.
 */
export interface SystemdScope {
  unit: string;
  slice: string;
  /** The cgroup v2 mount point, the user manager's folder, and the scope's folder once systemd has made it. */
  mountPoint: string;
  managerDir: string;
  dir: string;
  /** The controllers the user manager can delegate to it (its cgroup.controllers). */
  controllers: string[];
}

/** Where ryouiki's own scopes go in the user manager; `ryouiki stats` looks there. */
export const RYOUIKI_SLICE = 'ryouiki.slice';
const SCOPE_WAIT_MS = 30_000;
const POLL_MS = 20;
const BUSCTL_TIMEOUT_MS = 30_000;
const SYSTEMD = ['org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'];

/**
 * The caller's uid as the host sees it: an engine runs its OCI runtime in a
 * user namespace of its own (podman: uid 0 there), where /run/user/0 is not
 * the user's runtime folder.
 */
function hostUid(): number {
  const uid = process.getuid?.() ?? 0;
  try {
    for (const line of readFileSync('/proc/self/uid_map', 'utf8').trim().split('\n')) {
      const [inside = 0, outside = 0, count = 0] = line.trim().split(/\s+/).map(Number);
      if (uid >= inside && uid < inside + count) return outside + (uid - inside);
    }
  } catch {
    // No /proc: the uid as it is.
  }
  return uid;
}

/** The user bus: $DBUS_SESSION_BUS_ADDRESS, else the `bus` socket in $XDG_RUNTIME_DIR or /run/user/UID (engines give their runtime a private XDG_RUNTIME_DIR). */
function userBusAddress(): string | undefined {
  if (process.env.DBUS_SESSION_BUS_ADDRESS) return process.env.DBUS_SESSION_BUS_ADDRESS;
  const socket = [process.env.XDG_RUNTIME_DIR, `/run/user/${hostUid()}`]
    .filter((dir) => dir !== undefined && dir !== '')
    .map((dir) => join(dir!, 'bus'))
    .find((path) => existsSync(path));
  return socket === undefined ? undefined : `unix:path=${socket}`;
}

function busEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DBUS_SESSION_BUS_ADDRESS: userBusAddress() };
}

/** Booted with systemd (sd_booted) and the caller's user manager reachable on its bus. */
export function hasUserManager(): boolean {
  return existsSync('/run/systemd/system') && userBusAddress() !== undefined;
}

function busError(what: string, error: unknown): RyouikiError {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '')
    .trim()
    .split('\n')[0];
  const reason = stderr || (error as Error).message;
  return new RyouikiError('CGROUP_FAILED', `systemd: cannot ${what}: ${reason} (is the user manager running? loginctl enable-linger, or log in again)`, { cause: error });
}

function busctlSync(what: string, args: string[]): string {
  try {
    return childProcess().execFileSync('busctl', ['--user', ...args], { env: busEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: BUSCTL_TIMEOUT_MS });
  } catch (error) {
    throw busError(what, error);
  }
}

function busctl(what: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    childProcess().execFile('busctl', ['--user', ...args], { env: busEnv(), encoding: 'utf8', timeout: BUSCTL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(busError(what, Object.assign(error, { stderr })));
    });
  });
}

/** The user manager's own cgroup, e.g. /user.slice/user-1000.slice/user@1000.service. */
export function managerCgroup(): string {
  const reply = busctlSync('ask the user manager for its cgroup', ['get-property', ...SYSTEMD, 'ControlGroup']).trim();
  const match = /^s "(.*)"$/.exec(reply);
  if (match?.[1] === undefined) throw new RyouikiError('CGROUP_FAILED', `systemd: unexpected ControlGroup reply ${JSON.stringify(reply)}`);
  return match[1];
}

/** A slice's folder below its manager: `a-b.slice` is `a.slice/a-b.slice`, `-.slice` the manager's own. */
export function sliceDir(slice: string): string {
  if (slice === '-.slice') return '';
  const parts = slice.replace(/\.slice$/, '').split('-');
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`).join('/');
}

/**
 * linux.cgroupsPath in systemd's form, `slice:prefix:name` (runc's and crun's
 * --systemd-cgroup): the scope `prefix-name.scope` in `slice`. An empty path
 * gets ryouiki's own slice and a name made from the container id.
 */
export function parseSystemdCgroupsPath(path: string, id: string): { slice: string; unit: string } {
  if (path === '') return { slice: RYOUIKI_SLICE, unit: `ryouiki-${id}.scope` };
  const parts = path.split(':');
  const [slice = '', prefix = '', name = ''] = parts;
  if (parts.length !== 3 || name === '' || !/^[\w.@-]*$/.test(path.replace(/:/g, '')) || (slice !== '' && !slice.endsWith('.slice'))) {
    throw new RyouikiError('USAGE', `linux.cgroupsPath ${JSON.stringify(path)}: with --systemd-cgroup it takes systemd's form slice:prefix:name, such as user.slice:libpod:ID`);
  }
  return { slice: slice === '' ? RYOUIKI_SLICE : slice, unit: prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope` };
}

/** Plans a scope (nothing is made until startScope): its folder and what it will be able to delegate. */
export function planScope(mountPoint: string, slice: string, unit: string): SystemdScope {
  const managerDir = join(mountPoint, managerCgroup());
  return { unit, slice, mountPoint, managerDir, dir: join(managerDir, sliceDir(slice), unit), controllers: readControllers(managerDir) };
}

function cgroupOf(pid: number): string | undefined {
  try {
    return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Asks the user manager for the scope with `pids` in it and Delegate=yes, and
 * waits until systemd has moved them (its job runs after the call returns).
 * The scope ends by itself once no process is left in it.
 */
export async function startScope(scope: SystemdScope, pids: number[]): Promise<void> {
  const unique = [...new Set(pids)];
  const properties = [
    ['PIDs', 'au', String(unique.length), ...unique.map(String)],
    ['Delegate', 'b', 'true'],
    ['Slice', 's', scope.slice],
    ['Description', 's', `ryouiki container ${scope.unit}`],
  ];
  await busctl(`start the scope ${scope.unit}`, ['call', ...SYSTEMD, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', scope.unit, 'fail', String(properties.length), ...properties.flat(), '0']);
  const want = scope.dir.slice(scope.mountPoint.length);
  const deadline = Date.now() + SCOPE_WAIT_MS;
  while (!unique.every((pid) => cgroupOf(pid) === want || cgroupOf(pid) === undefined)) {
    if (Date.now() > deadline) throw new RyouikiError('CGROUP_FAILED', `systemd: the scope ${scope.unit} did not take its processes within ${SCOPE_WAIT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

function childDirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isDirectory());
  } catch {
    return [];
  }
}

/** The scopes ryouiki made in its slice of the user manager (where `ryouiki stats` finds containers started from a login shell). */
export function ryouikiScopeDirs(mountPoint: string): string[] {
  if (!hasUserManager()) return [];
  let manager: string;
  try {
    manager = managerCgroup();
  } catch {
    return [];
  }
  return childDirs(join(mountPoint, manager, sliceDir(RYOUIKI_SLICE))).filter((dir) => dir.endsWith('.scope'));
}
