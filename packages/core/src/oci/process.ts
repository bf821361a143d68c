import { CAPABILITY_NAMES } from '../spec/capabilities.js';
import type { Capabilities, Process, Rlimit } from '../spec/spec.js';
import type { OciReader } from './reader.js';

export const RLIMIT_TYPES = [
  'RLIMIT_AS',
  'RLIMIT_CORE',
  'RLIMIT_CPU',
  'RLIMIT_DATA',
  'RLIMIT_FSIZE',
  'RLIMIT_LOCKS',
  'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_NOFILE',
  'RLIMIT_NPROC',
  'RLIMIT_RSS',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
  'RLIMIT_SIGPENDING',
  'RLIMIT_STACK',
];

const CAPABILITY_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;
const MAX_ID = 0xfffffffe;

/** process fields of the runtime-spec that Ryouiki does not implement. */
const UNSUPPORTED_PROCESS = ['apparmorProfile', 'selinuxLabel', 'scheduler', 'ioPriority', 'execCPUAffinity', 'commandLine'];

/** A uint64 limit: JSON numbers past 2^53 lose precision, so anything from 2^63 up means unlimited. */
function limitValue(value: unknown, path: string, reader: OciReader): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw reader.invalid(path, `must be a whole number from 0 up, got ${JSON.stringify(value)}`);
  return value;
}

function rlimits(value: unknown, reader: OciReader): Rlimit[] {
  const seen = new Set<string>();
  return reader.list(value, 'process.rlimits').map((item, index) => {
    const at = `process.rlimits[${index}]`;
    const rlimit = reader.object(item, at);
    const type = reader.string(rlimit.type, `${at}.type`);
    if (!RLIMIT_TYPES.includes(type)) throw reader.invalid(`${at}.type`, `${JSON.stringify(type)} is not a resource limit: use one of ${RLIMIT_TYPES.join(', ')}`);
    if (seen.has(type)) throw reader.invalid(`${at}.type`, `${type} is given twice`);
    seen.add(type);
    const soft = limitValue(rlimit.soft, `${at}.soft`, reader);
    const hard = limitValue(rlimit.hard, `${at}.hard`, reader);
    if (soft > hard) throw reader.invalid(`${at}.soft`, `(${soft}) must not be above the hard limit (${hard})`);
    return { type, soft, hard };
  });
}

function capabilityList(value: unknown, path: string, reader: OciReader): string[] {
  return reader.stringList(value, path).map((name, index) => {
    if (!CAPABILITY_NAMES.includes(name.replace(/^CAP_/, ''))) throw reader.invalid(`${path}[${index}]`, `${JSON.stringify(name)} is not a capability: use names such as CAP_NET_RAW`);
    return name.startsWith('CAP_') ? name : `CAP_${name}`;
  });
}

/** Every set, an absent one empty: OCI gives a process no capability it does not list. */
function capabilities(value: unknown, reader: OciReader): Capabilities {
  const object = reader.optionalObject(value, 'process.capabilities') ?? {};
  const sets: Capabilities = {};
  for (const set of CAPABILITY_SETS) sets[set] = capabilityList(object[set], `process.capabilities.${set}`, reader);
  return sets;
}

function user(value: unknown, reader: OciReader): Process['user'] {
  const object = reader.object(value, 'process.user');
  reader.unsupportedFields(object, ['username'], 'process.user');
  const result: NonNullable<Process['user']> = {
    uid: reader.integer(object.uid, 'process.user.uid', 0, MAX_ID),
    gid: reader.integer(object.gid, 'process.user.gid', 0, MAX_ID),
  };
  const groups = reader.list(object.additionalGids, 'process.user.additionalGids').map((gid, index) => reader.integer(gid, `process.user.additionalGids[${index}]`, 0, MAX_ID));
  if (groups.length > 0) result.additionalGids = groups;
  const umask = reader.optionalInteger(object.umask, 'process.user.umask', 0, 0o777);
  if (umask !== undefined) result.umask = umask;
  return result;
}

function consoleSize(value: unknown, reader: OciReader): Process['consoleSize'] {
  const object = reader.optionalObject(value, 'process.consoleSize');
  if (object === undefined) return undefined;
  return { height: reader.integer(object.height, 'process.consoleSize.height', 0, 65535), width: reader.integer(object.width, 'process.consoleSize.width', 0, 65535) };
}

/** A process whose env, cwd and user may be left out: those of the container it runs in are used. */
export type PartialProcess = Omit<Process, 'env' | 'cwd'> & Partial<Pick<Process, 'env' | 'cwd'>>;

/**
 * How translateProcess reads: a bundle's process (config.json) is whole;
 * with `partial` (`ryouiki-runtime exec --process`), env, cwd and user may
 * be left out (absent, null or ""), and the container's are used.
 */
export interface ProcessReading {
  partial?: boolean;
}

/** A runtime-spec process object as the spec's: config.json's, or exec's with `partial`. */
export function translateProcess(value: unknown, reader: OciReader): Process;
export function translateProcess(value: unknown, reader: OciReader, reading: ProcessReading): PartialProcess;
export function translateProcess(value: unknown, reader: OciReader, reading: ProcessReading = {}): PartialProcess {
  if (value === undefined || value === null) throw reader.invalid('process', 'is missing: a bundle needs the process to run');
  const object = reader.object(value, 'process');
  reader.unsupportedFields(object, UNSUPPORTED_PROCESS, 'process');
  const args = reader.stringList(object.args, 'process.args');
  if (args.length === 0 || args[0] === '') throw reader.invalid('process.args', 'must name the program to run');
  const given = (field: string): boolean => reading.partial !== true || (object[field] !== undefined && object[field] !== null && object[field] !== '');
  const process: PartialProcess = {
    args,
    ...(given('env') ? { env: reader.stringList(object.env, 'process.env') } : {}),
    ...(given('cwd') ? { cwd: reader.absolutePath(object.cwd, 'process.cwd') } : {}),
    ...(given('user') ? { user: user(object.user, reader) } : {}),
    terminal: reader.boolean(object.terminal, 'process.terminal') ?? false,
    capabilities: capabilities(object.capabilities, reader),
    exactCapabilities: true,
    noNewPrivileges: reader.boolean(object.noNewPrivileges, 'process.noNewPrivileges') ?? false,
  };
  const limits = rlimits(object.rlimits, reader);
  if (limits.length > 0) process.rlimits = limits;
  const oomScoreAdj = reader.optionalInteger(object.oomScoreAdj, 'process.oomScoreAdj', -1000, 1000);
  if (oomScoreAdj !== undefined) process.oomScoreAdj = oomScoreAdj;
  const size = consoleSize(object.consoleSize, reader);
  if (size !== undefined) process.consoleSize = size;
  return process;
}
