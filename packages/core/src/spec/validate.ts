import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { problemsError, type SpecProblem } from '../errors.js';
import { softLimit } from '../store/proc-identity.js';
import type { ContainerSpec, NamespaceType } from './spec.js';
import { bundleFieldProblems } from './validate-bundle-fields.js';
import { isolationProblems } from './validate-isolation.js';

const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*=/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SUPPORTED_NAMESPACES: NamespaceType[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'network', 'cgroup'];
/** Root may run a container in its own user namespace, as runc does; anyone else needs one of the container's own. */
function requiredNamespaces(): NamespaceType[] {
  return process.geteuid?.() === 0 ? ['mount'] : ['user', 'mount'];
}

/**
 * The kernel lets a user namespace mount a proc only for a PID namespace it
 * owns: in the host's PID namespace a container with a user namespace of its
 * own (rootless, always) can have the host's /proc bound, not a new one.
 */
function hostPidProcProblems(spec: ContainerSpec): SpecProblem[] {
  const namespaces = spec.linux.namespaces;
  if (!namespaces.some((namespace) => namespace.type === 'user') || namespaces.some((namespace) => namespace.type === 'pid')) return [];
  const index = spec.onlyGivenMounts === true ? (spec.mounts ?? []).findIndex((mount) => mount.type === 'proc') : -2;
  if (index === -1) return [];
  const at = index >= 0 ? `mounts[${index}]` : 'linux.namespaces';
  const message = `${at}: a proc cannot be mounted in the host's PID namespace (linux.namespaces has no pid entry) from a user namespace of the container's own: add {"type": "pid"} to linux.namespaces, or bind the host's /proc (type "bind", source "/proc", options ["rbind"])`;
  return [{ path: at, code: 'SPEC_INVALID', message }];
}

function rootfsProblems(rootPath: unknown): SpecProblem[] {
  if (typeof rootPath !== 'string' || rootPath === '') {
    return [{ path: 'root.path', code: 'SPEC_INVALID', message: 'no root filesystem given: pass --path DIR' }];
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(rootPath).isDirectory();
  } catch {
    return [{ path: 'root.path', code: 'ROOTFS_NOT_FOUND', message: `rootfs ${rootPath} does not exist: give --path an existing folder` }];
  }
  if (!isDirectory) {
    return [{ path: 'root.path', code: 'ROOTFS_NOT_DIRECTORY', message: `rootfs ${rootPath} is not a directory: give --path a folder holding the container's files` }];
  }
  try {
    accessSync(rootPath, constants.R_OK | constants.X_OK);
  } catch {
    return [{ path: 'root.path', code: 'ROOTFS_UNREADABLE', message: `rootfs ${rootPath} cannot be read by you (permission denied): make it readable and searchable (chmod u+rx ${rootPath})` }];
  }
  return [];
}

/** The kernel's limit on one environment string or argument, KEY=VALUE and its NUL included (MAX_ARG_STRLEN). */
export const MAX_ARG_STRLEN = 131072;

function envEntryProblem(entry: string, index: number): SpecProblem | undefined {
  const key = entry.slice(0, entry.indexOf('='));
  if (entry.includes('\0')) return { path: `process.env[${index}]`, code: 'SPEC_INVALID', message: `the value of ${key} holds a NUL byte, which no environment can carry: remove it` };
  const bytes = Buffer.byteLength(entry) + 1;
  if (bytes <= MAX_ARG_STRLEN) return undefined;
  return {
    path: `process.env[${index}]`,
    code: 'ENV_TOO_LARGE',
    message: `${key} is ${bytes} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} bytes for one environment variable (MAX_ARG_STRLEN): pass big data in a file (a volume) instead`,
  };
}

/** The most the kernel copies of a new program's arguments and environment, pointers included: a quarter of the stack limit, at most 6 MiB, at least 128 KiB. */
export function argumentSpaceLimit(): number {
  const stack = softLimit('Max stack size') ?? Infinity;
  return Math.max(Math.min(stack / 4, 6 * 1024 * 1024), MAX_ARG_STRLEN);
}

/** An environment over the kernel's limit for one, which a valid entry each does not show. */
function envTotalProblem(env: string[]): SpecProblem | undefined {
  const bytes = env.reduce((sum, entry) => sum + Buffer.byteLength(entry) + 1 + 8, 0);
  const limit = argumentSpaceLimit();
  if (bytes <= limit) return undefined;
  return {
    path: 'process.env',
    code: 'ENV_TOO_LARGE',
    message: `the container's environment (--env, --env-file, -e) is ${bytes} bytes in ${env.length} variables, over the kernel's limit of ${limit} bytes for a program's arguments and environment (a quarter of the stack limit, ulimit -s): pass big data in a file (a volume) instead`,
  };
}

function processProblems(spec: ContainerSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const { args, env, cwd } = spec.process ?? {};
  if (!Array.isArray(args) || args.length === 0 || typeof args[0] !== 'string' || args[0].trim() === '') {
    problems.push({ path: 'process.args', code: 'COMMAND_EMPTY', message: 'the command is empty: give --command STRING or -- PROGRAM ARGS' });
  }
  if (!Array.isArray(env)) {
    problems.push({ path: 'process.env', code: 'SPEC_INVALID', message: 'process.env must be a list of KEY=VALUE strings' });
  } else {
    const before = problems.length;
    env.forEach((entry, index) => {
      if (typeof entry !== 'string' || !ENV_ENTRY.test(entry)) {
        problems.push({ path: `process.env[${index}]`, code: 'SPEC_INVALID', message: `process.env[${index}] must be KEY=VALUE, got ${JSON.stringify(entry)}` });
        return;
      }
      const problem = envEntryProblem(entry, index);
      if (problem !== undefined) problems.push(problem);
    });
    const total = problems.length === before ? envTotalProblem(env) : undefined;
    if (total !== undefined) problems.push(total);
  }
  if (typeof cwd !== 'string' || !isAbsolute(cwd)) {
    problems.push({ path: 'process.cwd', code: 'SPEC_INVALID', message: `the working directory must be an absolute path, got ${JSON.stringify(cwd)}` });
  }
  return problems;
}

function namespaceProblems(spec: ContainerSpec): SpecProblem[] {
  const namespaces = spec.linux?.namespaces;
  if (!Array.isArray(namespaces)) {
    return [{ path: 'linux.namespaces', code: 'SPEC_INVALID', message: 'linux.namespaces must be a list' }];
  }
  const problems: SpecProblem[] = [];
  namespaces.forEach((namespace, index) => {
    if (!SUPPORTED_NAMESPACES.includes(namespace.type)) {
      problems.push({
        path: `linux.namespaces[${index}].type`,
        code: 'SPEC_INVALID',
        message: `namespace type ${JSON.stringify(namespace.type)} is not supported: use ${SUPPORTED_NAMESPACES.join(', ')}`,
      });
    }
    if (namespace.path !== undefined && (namespace.type === 'mount' || typeof namespace.path !== 'string' || !isAbsolute(namespace.path))) {
      const why = namespace.type === 'mount' ? 'joining an existing mount namespace is not supported' : 'the path of a namespace to join must be absolute';
      problems.push({ path: `linux.namespaces[${index}].path`, code: 'SPEC_INVALID', message: `${why}: remove or fix linux.namespaces[${index}].path` });
    }
  });
  for (const type of requiredNamespaces()) {
    if (!namespaces.some((namespace) => namespace.type === type)) {
      problems.push({ path: 'linux.namespaces', code: 'SPEC_INVALID', message: `a rootless container needs its own ${type} namespace: add {"type": "${type}"}` });
    }
  }
  return [...problems, ...hostPidProcProblems(spec)];
}

function hostnameProblems(hostname: unknown): SpecProblem[] {
  if (hostname === undefined || (typeof hostname === 'string' && HOSTNAME.test(hostname) && hostname.length <= 64)) return [];
  return [{ path: 'hostname', code: 'SPEC_INVALID', message: `hostname ${JSON.stringify(hostname)} is not valid: use letters, digits, '-' and '.', at most 64 characters` }];
}

/** Every problem of a spec at once, each with the field it concerns. */
export function specProblems(spec: ContainerSpec): SpecProblem[] {
  return [...rootfsProblems(spec.root?.path), ...processProblems(spec), ...namespaceProblems(spec), ...hostnameProblems(spec.hostname), ...isolationProblems(spec), ...bundleFieldProblems(spec)];
}

export function assertValidSpec(spec: ContainerSpec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw problemsError(problems);
}

/** `--command` runs through the rootfs's /bin/sh; a symlink counts even when it points inside the rootfs. */
export function shellProblems(rootPath: string): SpecProblem[] {
  try {
    lstatSync(join(rootPath, 'bin', 'sh'));
    return [];
  } catch {
    return [{ path: 'process.args', code: 'ROOTFS_NO_SHELL', message: `rootfs ${rootPath} has no /bin/sh to run --command: add a shell, or run the program directly with -- PROGRAM ARGS` }];
  }
}
