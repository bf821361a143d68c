import type { NetErrorCode } from '@ryouiki/net';

/** Exit codes as docker and podman use them. */
export const EXIT_RUNTIME_ERROR = 125;
export const EXIT_CANNOT_EXECUTE = 126;
export const EXIT_NOT_FOUND = 127;

export type ErrorCode =
  | 'USAGE'
  | 'SPEC_INVALID'
  | 'ROOTFS_NOT_FOUND'
  | 'ROOTFS_NOT_DIRECTORY'
  | 'ROOTFS_NO_SHELL'
  | 'ENV_FILE_NOT_FOUND'
  | 'ENV_FILE_UNREADABLE'
  | 'ENV_FILE_INVALID'
  | 'COMMAND_EMPTY'
  | 'HELPER_NOT_FOUND'
  | 'HELPER_FAILED'
  | 'USERNS_UNAVAILABLE'
  | 'COMMAND_NOT_FOUND'
  | 'COMMAND_NOT_EXECUTABLE'
  | 'PROCESS_LOG_NOT_FOUND'
  | 'COMMAND_FAILED'
  | 'ABORTED'
  | 'TIMED_OUT'
  | 'CGROUP_UNAVAILABLE'
  | 'CGROUP_FAILED'
  | 'CGROUP_NOT_FOUND'
  | 'STATE_DIR_UNSAFE'
  | 'STATE_LOCKED'
  | 'NAME_IN_USE'
  | 'CONTAINER_NOT_FOUND'
  | 'CONTAINER_AMBIGUOUS'
  | 'CONTAINER_RUNNING'
  | 'CONTAINER_NOT_RUNNING'
  | 'USER_UNKNOWN'
  | 'USERNS_MODE_UNKNOWN'
  | 'IDMAP_FAILED'
  | 'CAPABILITY_UNKNOWN'
  | 'VOLUME_INVALID'
  | 'VOLUME_SOURCE_NOT_FOUND'
  | 'SECCOMP_INVALID'
  | 'CONTAINER_DIR_FAILED'
  | 'OCI_CONFIG_INVALID'
  | 'OCI_UNSUPPORTED'
  | 'OCI_HOOK_FAILED'
  | 'STORE_WRITE_FAILED'
  | 'ROOTFS_UNREADABLE'
  | 'ENV_TOO_LARGE'
  | 'OUT_OF_MEMORY'
  | 'STATE_DAMAGED'
  | 'COPY_FAILED'
  | 'IMAGE_REFERENCE_INVALID'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_IN_USE'
  | 'IMAGE_PULL_FAILED'
  | 'IMAGE_DIGEST_MISMATCH'
  | 'IMAGE_LAYER_REFUSED'
  | 'IMAGE_ARCHIVE_INVALID'
  | 'REGISTRY_AUTH_FAILED'
  | NetErrorCode;

/** One thing wrong with a spec, with the field it concerns. */
export interface SpecProblem {
  path: string;
  code: ErrorCode;
  message: string;
}

/**
 * The one error type of Ryouiki: a stable string `code` for programs, a
 * one-line `message` for people, and the exit code the CLI leaves with.
 */
export class RyouikiError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly problems: SpecProblem[];
  /** For COMMAND_FAILED: what the run gave, output included. */
  readonly result?: unknown;

  constructor(code: ErrorCode, message: string, options: { exitCode?: number; problems?: SpecProblem[]; cause?: unknown; result?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RyouikiError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT_RUNTIME_ERROR;
    this.problems = options.problems ?? [];
    if (options.result !== undefined) this.result = options.result;
  }
}

export function isRyouikiError(error: unknown): error is RyouikiError {
  return error instanceof RyouikiError;
}

/** All problems of a spec as one error: the single problem's own code, or SPEC_INVALID for several. */
export function problemsError(problems: SpecProblem[]): RyouikiError {
  const first = problems[0];
  if (first === undefined) throw new Error('problemsError needs at least one problem');
  const code = problems.length === 1 ? first.code : 'SPEC_INVALID';
  const message = problems.map((problem) => problem.message).join('; ');
  return new RyouikiError(code, message, { problems });
}

/** What to do about a file the runtime cannot write, by errno. */
const FILE_REMEDIES: Record<string, string> = {
  EACCES: 'permission denied: make the folder writable by you, or give another --root',
  EPERM: 'operation not permitted: make the folder writable by you, or give another --root',
  EROFS: 'the file system is read-only: give a writable --root (or XDG_RUNTIME_DIR)',
  ENOSPC: 'no space left on the device: free some space, or give another --root',
  EDQUOT: 'the disk quota is used up: free some space, or give another --root',
  EFBIG: 'the file size limit is too small for it (ulimit -f): raise it, e.g. ulimit -f unlimited',
  ENOTDIR: 'a part of the path is not a folder: remove it, or give another --root',
  EMFILE: 'too many open files (ulimit -n): raise the limit',
};

interface SystemError {
  code: string;
  syscall?: string;
  path?: string;
}

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { syscall?: unknown }).syscall === 'string';
}

/**
 * A system error as being about PATH, for asRuntimeError's line: a failed
 * write(2) names no file, and a temporary or staging file means less to a
 * person than the file or folder it stands for.
 */
export function aboutFile(error: unknown, path: string): unknown {
  if (isSystemError(error)) error.path = path;
  return error;
}

/**
 * An error of the system (a file the store cannot write, a limit) as the one
 * line a person can act on, naming the file and what to do; any other error
 * as it is.
 */
export function asRuntimeError(error: unknown): unknown {
  if (!isSystemError(error) || FILE_REMEDIES[error.code] === undefined) return error;
  const what = error.path === undefined ? error.syscall : error.path;
  return new RyouikiError('STORE_WRITE_FAILED', `cannot write ${what}: ${FILE_REMEDIES[error.code]}`, { cause: error });
}
