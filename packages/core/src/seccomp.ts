import { readFileSync } from 'node:fs';
import { RyouikiError } from './errors.js';

/** The OCI runtime-spec's `linux.seccomp`, the parts Ryouiki applies. */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: SeccompSyscall[];
}

const EPERM = 1;
const ENOSYS = 38;
// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
const NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

/**
 * What Docker's and podman's default profiles refuse to a container, as a deny
 * list, each with the capability that lifts it there (as their profiles do
 * when that capability is added): the kernel keyring, bpf, perf, userfaultfd,
 * modules, kexec, handle-based opens, clocks, swap, reboot, mounts, and new
 * namespaces (clone with a CLONE_NEW* flag, unshare, setns). clone3 answers
 * ENOSYS, as in their profiles, so that libc falls back to clone, whose flags
 * the filter can see. ptrace stays allowed, as they allow it on kernels since 4.8.
 */
const DENIED: Record<string, string | undefined> = {
  add_key: undefined, keyctl: undefined, request_key: undefined, userfaultfd: undefined,
  get_kernel_syms: undefined, query_module: undefined, nfsservctl: undefined, uselib: undefined, ustat: undefined,
  sysfs: undefined, _sysctl: undefined, vm86: undefined, vm86old: undefined,
  acct: 'SYS_PACCT',
  bpf: 'SYS_ADMIN',
  perf_event_open: 'SYS_ADMIN',
  clock_adjtime: 'SYS_TIME', clock_settime: 'SYS_TIME', settimeofday: 'SYS_TIME', stime: 'SYS_TIME',
  create_module: 'SYS_MODULE', delete_module: 'SYS_MODULE', finit_module: 'SYS_MODULE', init_module: 'SYS_MODULE',
  get_mempolicy: 'SYS_NICE', mbind: 'SYS_NICE', move_pages: 'SYS_NICE', set_mempolicy: 'SYS_NICE',
  ioperm: 'SYS_RAWIO', iopl: 'SYS_RAWIO',
  kcmp: 'SYS_PTRACE',
  kexec_file_load: 'SYS_BOOT', kexec_load: 'SYS_BOOT', reboot: 'SYS_BOOT',
  lookup_dcookie: 'SYS_ADMIN', quotactl: 'SYS_ADMIN', quotactl_fd: 'SYS_ADMIN',
  mount: 'SYS_ADMIN', umount: 'SYS_ADMIN', umount2: 'SYS_ADMIN', pivot_root: 'SYS_ADMIN',
  fsconfig: 'SYS_ADMIN', fsmount: 'SYS_ADMIN', fsopen: 'SYS_ADMIN', fspick: 'SYS_ADMIN',
  mount_setattr: 'SYS_ADMIN', move_mount: 'SYS_ADMIN', open_tree: 'SYS_ADMIN',
  name_to_handle_at: 'DAC_READ_SEARCH', open_by_handle_at: 'DAC_READ_SEARCH',
  setns: 'SYS_ADMIN', unshare: 'SYS_ADMIN',
  swapoff: 'SYS_ADMIN', swapon: 'SYS_ADMIN',
  syslog: 'SYSLOG',
  vhangup: 'SYS_TTY_CONFIG',
};

/** The default filter for a command that keeps these capabilities (names with or without CAP_). */
export function defaultSeccomp(capabilities: string[] = []): Seccomp {
  const kept = new Set(capabilities.map((name) => name.replace(/^CAP_/, '')));
  const denied = Object.entries(DENIED).filter(([, lifter]) => lifter === undefined || !kept.has(lifter)).map(([name]) => name).sort();
  const syscalls: SeccompSyscall[] = [{ names: denied, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (!kept.has('SYS_ADMIN')) {
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
    for (const flag of NAMESPACE_FLAGS) {
      syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }] });
    }
  }
  return { defaultAction: 'SCMP_ACT_ALLOW', syscalls };
}

export const DEFAULT_SECCOMP: Seccomp = defaultSeccomp();

const ACTIONS: Record<string, string> = {
  SCMP_ACT_ALLOW: 'allow',
  SCMP_ACT_KILL: 'kill',
  SCMP_ACT_KILL_THREAD: 'kill',
  SCMP_ACT_KILL_PROCESS: 'kill-process',
  SCMP_ACT_TRAP: 'trap',
  SCMP_ACT_LOG: 'log',
};

const OPS: Record<string, string> = {
  SCMP_CMP_NE: 'ne',
  SCMP_CMP_LT: 'lt',
  SCMP_CMP_LE: 'le',
  SCMP_CMP_EQ: 'eq',
  SCMP_CMP_GE: 'ge',
  SCMP_CMP_GT: 'gt',
  SCMP_CMP_MASKED_EQ: 'masked_eq',
};

function invalid(message: string): RyouikiError {
  return new RyouikiError('SECCOMP_INVALID', message);
}

function actionWord(action: string, errnoRet: number | undefined, where: string): string {
  if (action === 'SCMP_ACT_ERRNO') return `errno:${errnoRet ?? EPERM}`;
  const word = ACTIONS[action];
  if (word === undefined) throw invalid(`${where}: action ${JSON.stringify(action)} is not supported: use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP or SCMP_ACT_LOG`);
  return word;
}

function argWord(arg: SeccompArg, where: string): string {
  const op = OPS[arg.op];
  if (op === undefined || !Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) {
    throw invalid(`${where}: argument condition ${JSON.stringify(arg)} needs an index from 0 to 5 and an op such as SCMP_CMP_EQ`);
  }
  return op === 'masked_eq' ? `${arg.index}:${op}:${arg.value}:${arg.valueTwo ?? 0}` : `${arg.index}:${op}:${arg.value}`;
}

/** The helper's --seccomp rules for an OCI seccomp object: one rule a line. */
export function seccompRules(profile: Seccomp, where = 'seccomp'): string {
  if (typeof profile !== 'object' || profile === null || typeof profile.defaultAction !== 'string') {
    throw invalid(`${where}: not an OCI seccomp profile: it needs a defaultAction`);
  }
  const lines = [`default ${actionWord(profile.defaultAction, profile.defaultErrnoRet, where)}`];
  for (const [index, rule] of (profile.syscalls ?? []).entries()) {
    const at = `${where}: syscalls[${index}]`;
    if (!Array.isArray(rule.names) || typeof rule.action !== 'string') throw invalid(`${at}: needs names and an action`);
    const action = actionWord(rule.action, rule.errnoRet, at);
    const args = (rule.args ?? []).map((arg) => argWord(arg, at));
    for (const name of rule.names) {
      if (!/^[a-z0-9_]+$/.test(name)) throw invalid(`${at}: ${JSON.stringify(name)} is not a syscall name`);
      lines.push([action, name, ...args].join(' '));
    }
  }
  return lines.join('\n');
}

/** Reads `--seccomp=FILE`: an OCI seccomp profile in JSON. */
export function readSeccompFile(path: string): Seccomp {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RyouikiError('SECCOMP_INVALID', `--seccomp=${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a readable OCI seccomp profile in JSON`);
  }
  try {
    const profile = JSON.parse(text) as Seccomp;
    seccompRules(profile, `--seccomp=${path}`);
    return profile;
  } catch (error) {
    if (error instanceof RyouikiError) throw error;
    throw new RyouikiError('SECCOMP_INVALID', `--seccomp=${path}: not valid JSON: ${(error as Error).message}`);
  }
}
