import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { collect, expectNoLeftovers, HELPER, makeTempDir, removeDir, RYOUIKI, type Outcome } from './harness.js';
import { buildIsolationRootfs } from './isolation-rootfs.js';
import { RUNTIME, writeBundle } from './oci-harness.js';

/** The fds an attacker's caller may hold open: 3 to 30. */
export const HELD_FDS = Array.from({ length: 28 }, (_, index) => index + 3);

/** A folder of the host's with a secret in it, the target of the escapes. */
export function hostSecretDir(work: string): string {
  const dir = join(work, 'host-secret');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'secret'), 'HOST-SECRET\n');
  return dir;
}

/**
 * Runs PROGRAM ARGS with fds 3 to 30 all open on dir (as `exec N<dir` would
 * leave them), stdin closed, stdout and stderr collected.
 */
export async function withHeldFds(program: string, args: string[], dir: string, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const fd = openSync(dir, 'r');
  try {
    const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe', ...HELD_FDS.map(() => fd)];
    return await collect(spawn(program, args, { stdio, env: { ...process.env, ...env } }));
  } finally {
    closeSync(fd);
  }
}

export const ENTRY_POINTS = { ryouiki: RYOUIKI, helper: HELPER, runtime: RUNTIME };

export interface EscapeBundleConfig {
  process: { terminal: boolean; user: { uid: number; gid: number }; args: string[]; env: string[]; cwd: string; [field: string]: unknown };
  root: { path: string; readonly: boolean };
  mounts: Array<Record<string, unknown>>;
  linux: { uidMappings: Array<{ containerID: number; hostID: number; size: number }>; [field: string]: unknown };
  [field: string]: unknown;
}

/** An OCI bundle (oci-harness's) on rootfs running args, with its config.json changed by edit. */
export function writeEscapeBundle(dir: string, rootfs: string, args: string[], edit: (config: EscapeBundleConfig) => void = () => undefined): string {
  writeBundle(dir, { args });
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as EscapeBundleConfig;
  config.root.path = rootfs;
  edit(config);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return dir;
}

export interface EscapeWorkspace {
  /** The test file's temporary folder. */
  work: string;
  /** The isolation rootfs, with the attacks' escape-probe. */
  rootfs: string;
  /** A private --root. */
  store: string;
}

/** The folders of one escape test file, made before its tests; after each, no container process may be left. */
export function useEscapeWorkspace(prefix: string): EscapeWorkspace {
  const space: EscapeWorkspace = { work: '', rootfs: '', store: '' };
  beforeAll(() => {
    space.work = makeTempDir(prefix);
    space.rootfs = join(space.work, 'rootfs');
    buildIsolationRootfs(space.rootfs);
    space.store = join(space.work, 'store');
  }, 120000);
  afterAll(() => removeDir(space.work));
  afterEach(async () => {
    await expectNoLeftovers();
  });
  return space;
}
