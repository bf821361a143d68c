import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createStagedFolder, isStagingFolder, removeStagedFolder, sweepAbandonedStaging, writeWhole, type ResourceRecord } from '../container-state.js';
import { withLock } from '../state-lock.js';
import { RyouikiError } from '../errors.js';
import { isAlive, type ProcessIdentity } from '../proc-identity.js';
import { checkRuntimeDir, ensureRuntimeDir } from '../runtime-dir.js';
import type { ContainerSpec } from '../spec.js';
import type { OciHooks } from '../oci/bundle.js';
import type { OciState } from '../oci/hooks.js';

/** Where ryouiki-runtime keeps its containers: `--root`, else `$XDG_RUNTIME_DIR/ryouiki-runtime`, else `/tmp/ryouiki-runtime-UID`. */
export interface OciStoreOptions {
  root?: string;
}

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** One container of ryouiki-runtime, as `<root>/<id>/state.json` keeps it. */
export interface OciRecord {
  id: string;
  /** The runtime-spec version of the bundle's config.json. */
  ociVersion: string;
  bundle: string;
  annotations: Record<string, string>;
  spec: ContainerSpec;
  hooks: OciHooks;
  created: string;
  /** The container's init, as the host sees it, once it exists. */
  pid?: number;
  process?: ProcessIdentity;
  /** ryouiki-monitor, which holds the container until `start` (and until its command runs). */
  monitor?: ProcessIdentity;
  resources: ResourceRecord[];
}

/** The OCI state, as `ryouiki-runtime state` prints it (runtime-spec "State"), paused included. */
export interface OciRuntimeState extends Omit<OciState, 'status'> {
  status: OciStatus;
}

/** runc's rule for container ids: no path separators, nothing a shell or a file name would trip on. */
const ID_PATTERN = /^[\w+\-.]+$/;

export function ociRoot(options: OciStoreOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  const root = ociRootPath(options, env);
  checkRuntimeDir(root);
  return root;
}

function ociRootPath(options: OciStoreOptions, env: NodeJS.ProcessEnv): string {
  if (options.root !== undefined && options.root !== '') return resolve(options.root);
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'ryouiki-runtime');
  return join(tmpdir(), `ryouiki-runtime-${process.getuid?.() ?? 0}`);
}

export function checkId(id: string): void {
  if (!ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new RyouikiError('USAGE', `invalid container id ${JSON.stringify(id)}: use letters, digits and + - . _`);
  }
}

export function containerFolder(root: string, id: string): string {
  return join(root, id);
}

/** What the container's helper says (its JSON lines), kept by the supervisor for `start`. */
export function infoPath(root: string, id: string): string {
  return join(root, id, 'info');
}

/** The fifo whose byte lets the created container run its command. */
export function startFifoPath(root: string, id: string): string {
  return join(root, id, 'start.fifo');
}

export function exitPath(root: string, id: string): string {
  return join(root, id, 'exit');
}

function statePath(root: string, id: string): string {
  return join(root, id, 'state.json');
}

/** Makes the container's folder with its first state.json in one step; refuses an id already taken. */
export function createRecordFolder(root: string, record: OciRecord): void {
  checkId(record.id);
  ensureRuntimeDir(root);
  try {
    createStagedFolder(root, record.id, JSON.stringify(record));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') {
      throw new RyouikiError('NAME_IN_USE', `container ${record.id} already exists: delete it first (ryouiki-runtime delete ${record.id})`);
    }
    throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot create ${containerFolder(root, record.id)}: ${(error as Error).message}`);
  }
}

/** Writes state.json whole, under the container's lock, as ryouiki's own store does (container-state.ts). */
export async function writeRecord(root: string, record: OciRecord): Promise<void> {
  await withLock(containerFolder(root, record.id), () => writeWhole(statePath(root, record.id), JSON.stringify(record)));
}

export function readRecord(root: string, id: string): OciRecord {
  checkId(id);
  try {
    return JSON.parse(readFileSync(statePath(root, id), 'utf8')) as OciRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RyouikiError('CONTAINER_NOT_FOUND', `container ${id} does not exist: see ryouiki-runtime list`);
    }
    throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot read the state of container ${id}: ${(error as Error).message}`);
  }
}

export function removeContainerFolder(root: string, id: string): void {
  removeStagedFolder(root, id);
}

/** The ids of the containers of this root; the staging folders of creates that died are swept. */
export function listIds(root: string): string[] {
  sweepAbandonedStaging(root);
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && ID_PATTERN.test(entry.name) && !isStagingFolder(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** The helper's lines so far: whether the command was executed, and the failure it reported. */
export interface HelperReport {
  executed: boolean;
  failure?: { message: string; code: number };
  exitCode?: number;
}

export function readHelperReport(root: string, id: string): HelperReport {
  const report: HelperReport = { executed: false };
  let text = '';
  try {
    text = readFileSync(infoPath(root, id), 'utf8');
  } catch {
    return report;
  }
  for (const line of text.split('\n')) {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (event.exec === true) report.executed = true;
    if (typeof event.error === 'string') report.failure = { message: event.error, code: typeof event.code === 'number' ? event.code : 125 };
    if (typeof event.exit === 'number') report.exitCode = event.exit;
  }
  return report;
}

/** created until `start` ran the command; stopped once the init is gone (a zombie is gone). */
export function recordStatus(root: string, record: OciRecord, frozen: (record: OciRecord) => boolean): OciStatus {
  if (record.process === undefined) return isAlive(record.monitor) ? 'creating' : 'stopped';
  if (!isAlive(record.process)) return 'stopped';
  if (!readHelperReport(root, record.id).executed) return 'created';
  return frozen(record) ? 'paused' : 'running';
}
