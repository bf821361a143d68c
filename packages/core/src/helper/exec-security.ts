import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerDir, type ContainerState } from '../store/container-state.js';
import { RyouikiError } from '../errors.js';
import { capabilityArgs } from './helper.js';
import { currentBootId, isAlive, processIdentity } from '../store/proc-identity.js';
import type { StoreDirs } from '../store/runtime-dir.js';
import { seccompRules } from '../spec/seccomp.js';

/** ryouiki-exec's flags that give the program the container's cgroup and security, and what to remove once it ends. */
export interface ExecSecurity {
  args: string[];
  /** Removes the seccomp rules file (ryouiki-exec reads it before it enters the container). */
  cleanup(): void;
}

/** The container's cgroup folders, from its recorded cgroup resource (none when it runs without cgroups). */
export function containerCgroupDirs(state: Pick<ContainerState, 'resources'>): string[] {
  return state.resources
    .filter((resource) => resource.kind === 'cgroup')
    .flatMap((resource) => (Array.isArray(resource.folders) ? (resource.folders as Array<{ dir?: unknown }>) : []))
    .flatMap((folder) => (typeof folder.dir === 'string' ? [folder.dir] : []));
}

/** The user the program runs as: --user, else the container's own, else ryouiki-exec's default (root). */
function userArgs(state: Pick<ContainerState, 'spec'>, user: string | undefined): string[] {
  if (user !== undefined) return ['--user', user];
  const own = state.spec.process.user;
  return own === undefined ? [] : ['--user', `${own.uid}:${own.gid}`];
}

/** An exec's rules file is named after the process that runs it (pid and start time): `exec-PID-START-N.seccomp`. */
const EXEC_RULES = /^exec-(\d+)-(\d+)-\d+\.seccomp$/;
let execsOfThisProcess = 0;

/** Removes the rules files of execs that were killed before they could (their process is gone). */
export function sweepDeadExecRules(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // removed meanwhile
  }
  for (const name of names) {
    const match = EXEC_RULES.exec(name);
    if (match === null) continue;
    if (!isAlive({ pid: Number(match[1]), startTime: match[2] ?? '', bootId: currentBootId() })) rmSync(join(dir, name), { force: true });
  }
}

/** Writes the container's seccomp rules to a private file of this exec in the container's runtime folder. */
function writeSeccompFile(state: Pick<ContainerState, 'id' | 'spec'>, dirs: StoreDirs): string | undefined {
  const profile = state.spec.linux.seccomp;
  if (profile === undefined) return undefined;
  const dir = containerDir(dirs, state.id);
  sweepDeadExecRules(dir);
  const file = join(dir, `exec-${process.pid}-${processIdentity(process.pid)?.startTime ?? '0'}-${execsOfThisProcess++}.seccomp`);
  try {
    writeFileSync(file, `${seccompRules(profile)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot write the seccomp rules for exec to ${file}: ${(error as Error).message}`);
  }
  return file;
}

/** The same user, capabilities, no_new_privs, seccomp filter and cgroup as the container's command. */
export function execSecurity(state: Pick<ContainerState, 'id' | 'spec' | 'resources'>, dirs: StoreDirs, user: string | undefined): ExecSecurity {
  const args = [...userArgs(state, user), ...capabilityArgs(state.spec)];
  for (const dir of containerCgroupDirs(state)) args.push('--cgroup', dir);
  const seccompFile = writeSeccompFile(state, dirs);
  if (seccompFile !== undefined) args.push('--seccomp', seccompFile);
  return {
    args,
    cleanup: () => {
      if (seccompFile !== undefined) rmSync(seccompFile, { force: true });
    },
  };
}
