import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResourceRecord } from '../store/container-state.js';
import { RyouikiError } from '../errors.js';
import { isAlive, type ProcessIdentity } from '../store/proc-identity.js';
import { checkRuntimeDir } from '../store/runtime-dir.js';
import type { ContainerSpec } from '../spec/spec.js';
import { checkLayoutId, StateStore, type StoreLayout } from '../store/state-store.js';
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

/** ryouiki-runtime's store: `<root>/<id>/state.json`, an id by runc's rule (no path separators, nothing a shell or a file name would trip on). */
const OCI_LAYOUT: StoreLayout = {
  idPattern: /^[\w+\-.]+$/,
  badId: (id) => new RyouikiError('USAGE', `invalid container id ${JSON.stringify(id)}: use letters, digits and + - . _`),
};

function ociStore(root: string): StateStore {
  return new StateStore(root, OCI_LAYOUT);
}

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
  checkLayoutId(OCI_LAYOUT, id);
}

export function containerFolder(root: string, id: string): string {
  return ociStore(root).folder(id);
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

/** Makes the container's folder with its first state.json in one step; refuses an id already taken. */
export function createRecordFolder(root: string, record: OciRecord): void {
  try {
    ociStore(root).create(record.id, record);
  } catch (error) {
    if (error instanceof RyouikiError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') {
      throw new RyouikiError('NAME_IN_USE', `container ${record.id} already exists: delete it first (ryouiki-runtime delete ${record.id})`);
    }
    throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot create ${containerFolder(root, record.id)}: ${(error as Error).message}`);
  }
}

/** Writes state.json whole, under the container's lock. */
export async function writeRecord(root: string, record: OciRecord): Promise<void> {
  const store = ociStore(root);
  await store.withLock(record.id, () => store.write(record.id, record));
}

export function readRecord(root: string, id: string): OciRecord {
  const store = ociStore(root);
  store.checkId(id);
  try {
    const text = store.readText(id);
    if (text !== undefined) return JSON.parse(text) as OciRecord;
  } catch (error) {
    throw new RyouikiError('CONTAINER_DIR_FAILED', `cannot read the state of container ${id}: ${(error as Error).message}`);
  }
  throw new RyouikiError('CONTAINER_NOT_FOUND', `container ${id} does not exist: see ryouiki-runtime list`);
}

export function removeContainerFolder(root: string, id: string): void {
  ociStore(root).remove(id);
}

/** The ids of the containers of this root; the staging folders of creates that died are swept. */
export function listIds(root: string): string[] {
  try {
    return ociStore(root).ids();
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
