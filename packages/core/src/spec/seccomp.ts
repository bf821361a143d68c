import { readFileSync } from 'node:fs';
import { RyouikiError } from '../errors.js';

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
// TIOCSTI types into a terminal (CVE-2017-5226), TIOCLINUX (its paste) into a virtual console.
const REFUSED_IOCTLS = [0x5412, 0x541c];

/**
 * What a container may call whatever its capabilities: an allow list, so that a
 * syscall a newer kernel adds is refused (ENOSYS, so that libc falls back) until
 * it is looked at, as io_uring should have been. clone and ioctl are allowed
 * with conditions (below); what needs a capability is in DENIED.
 * docs/security.md compares it with podman's default profile, name by name.
 */
const ALLOWED = [
  '_llseek',
  '_newselect',
  'accept',
  'accept4',
  'access',
  'adjtimex',
  'alarm',
  'arch_prctl',
  'arm_fadvise64_64',
  'arm_sync_file_range',
  'bind',
  'breakpoint',
  'brk',
  'cacheflush',
  'capget',
  'capset',
  'chdir',
  'chmod',
  'chown',
  'chown32',
  'chroot',
  'clock_getres',
  'clock_getres_time64',
  'clock_gettime',
  'clock_gettime64',
  'clock_nanosleep',
  'clock_nanosleep_time64',
  'close',
  'close_range',
  'connect',
  'copy_file_range',
  'creat',
  'dup',
  'dup2',
  'dup3',
  'epoll_create',
  'epoll_create1',
  'epoll_ctl',
  'epoll_ctl_old',
  'epoll_pwait',
  'epoll_pwait2',
  'epoll_wait',
  'epoll_wait_old',
  'eventfd',
  'eventfd2',
  'execve',
  'execveat',
  'exit',
  'exit_group',
  'faccessat',
  'faccessat2',
  'fadvise64',
  'fadvise64_64',
  'fallocate',
  'fanotify_mark',
  'fchdir',
  'fchmod',
  'fchmodat',
  'fchown',
  'fchown32',
  'fchownat',
  'fcntl',
  'fcntl64',
  'fdatasync',
  'fgetxattr',
  'flistxattr',
  'flock',
  'fork',
  'fremovexattr',
  'fsetxattr',
  'fstat',
  'fstat64',
  'fstatat64',
  'fstatfs',
  'fstatfs64',
  'fsync',
  'ftruncate',
  'ftruncate64',
  'futex',
  'futex_time64',
  'futex_waitv',
  'futimesat',
  'get_robust_list',
  'get_thread_area',
  'getcpu',
  'getcwd',
  'getdents',
  'getdents64',
  'getegid',
  'getegid32',
  'geteuid',
  'geteuid32',
  'getgid',
  'getgid32',
  'getgroups',
  'getgroups32',
  'getitimer',
  'getpeername',
  'getpgid',
  'getpgrp',
  'getpid',
  'getppid',
  'getpriority',
  'getrandom',
  'getresgid',
  'getresgid32',
  'getresuid',
  'getresuid32',
  'getrlimit',
  'getrusage',
  'getsid',
  'getsockname',
  'getsockopt',
  'gettid',
  'gettimeofday',
  'getuid',
  'getuid32',
  'getxattr',
  'inotify_add_watch',
  'inotify_init',
  'inotify_init1',
  'inotify_rm_watch',
  'io_cancel',
  'io_destroy',
  'io_getevents',
  'io_pgetevents',
  'io_pgetevents_time64',
  'io_setup',
  'io_submit',
  'ioprio_get',
  'ioprio_set',
  'ipc',
  'kill',
  'landlock_add_rule',
  'landlock_create_ruleset',
  'landlock_restrict_self',
  'lchown',
  'lchown32',
  'lgetxattr',
  'link',
  'linkat',
  'listen',
  'listxattr',
  'llistxattr',
  'llseek',
  'lremovexattr',
  'lseek',
  'lsetxattr',
  'lstat',
  'lstat64',
  'madvise',
  'membarrier',
  'memfd_create',
  'mincore',
  'mkdir',
  'mkdirat',
  'mknod',
  'mknodat',
  'mlock',
  'mlock2',
  'mlockall',
  'mmap',
  'mmap2',
  'modify_ldt',
  'mprotect',
  'mq_getsetattr',
  'mq_notify',
  'mq_open',
  'mq_timedreceive',
  'mq_timedreceive_time64',
  'mq_timedsend',
  'mq_timedsend_time64',
  'mq_unlink',
  'mremap',
  'msgctl',
  'msgget',
  'msgrcv',
  'msgsnd',
  'msync',
  'munlock',
  'munlockall',
  'munmap',
  'nanosleep',
  'newfstatat',
  'open',
  'openat',
  'openat2',
  'pause',
  'personality',
  'pidfd_getfd',
  'pidfd_open',
  'pidfd_send_signal',
  'pipe',
  'pipe2',
  'pkey_alloc',
  'pkey_free',
  'pkey_mprotect',
  'poll',
  'ppoll',
  'ppoll_time64',
  'prctl',
  'pread64',
  'preadv',
  'preadv2',
  'prlimit64',
  'process_madvise',
  'process_mrelease',
  'process_vm_readv',
  'process_vm_writev',
  'pselect6',
  'pselect6_time64',
  'ptrace',
  'pwrite64',
  'pwritev',
  'pwritev2',
  'read',
  'readahead',
  'readdir',
  'readlink',
  'readlinkat',
  'readv',
  'recv',
  'recvfrom',
  'recvmmsg',
  'recvmmsg_time64',
  'recvmsg',
  'remap_file_pages',
  'removexattr',
  'rename',
  'renameat',
  'renameat2',
  'restart_syscall',
  'rmdir',
  'rseq',
  'rt_sigaction',
  'rt_sigpending',
  'rt_sigprocmask',
  'rt_sigqueueinfo',
  'rt_sigreturn',
  'rt_sigsuspend',
  'rt_sigtimedwait',
  'rt_sigtimedwait_time64',
  'rt_tgsigqueueinfo',
  's390_pci_mmio_read',
  's390_pci_mmio_write',
  's390_runtime_instr',
  'sched_get_priority_max',
  'sched_get_priority_min',
  'sched_getaffinity',
  'sched_getattr',
  'sched_getparam',
  'sched_getscheduler',
  'sched_rr_get_interval',
  'sched_rr_get_interval_time64',
  'sched_setaffinity',
  'sched_setattr',
  'sched_setparam',
  'sched_setscheduler',
  'sched_yield',
  'seccomp',
  'select',
  'semctl',
  'semget',
  'semop',
  'semtimedop',
  'semtimedop_time64',
  'send',
  'sendfile',
  'sendfile64',
  'sendmmsg',
  'sendmsg',
  'sendto',
  'set_robust_list',
  'set_thread_area',
  'set_tid_address',
  'set_tls',
  'setfsgid',
  'setfsgid32',
  'setfsuid',
  'setfsuid32',
  'setgid',
  'setgid32',
  'setgroups',
  'setgroups32',
  'setitimer',
  'setpgid',
  'setpriority',
  'setregid',
  'setregid32',
  'setresgid',
  'setresgid32',
  'setresuid',
  'setresuid32',
  'setreuid',
  'setreuid32',
  'setrlimit',
  'setsid',
  'setsockopt',
  'setuid',
  'setuid32',
  'setxattr',
  'shmat',
  'shmctl',
  'shmdt',
  'shmget',
  'shutdown',
  'sigaltstack',
  'signalfd',
  'signalfd4',
  'sigreturn',
  'socket',
  'socketcall',
  'socketpair',
  'splice',
  'stat',
  'stat64',
  'statfs',
  'statfs64',
  'statx',
  'symlink',
  'symlinkat',
  'sync',
  'sync_file_range',
  'sync_file_range2',
  'syncfs',
  'sysinfo',
  'tee',
  'tgkill',
  'time',
  'timer_create',
  'timer_delete',
  'timer_getoverrun',
  'timer_gettime',
  'timer_gettime64',
  'timer_settime',
  'timer_settime64',
  'timerfd_create',
  'timerfd_gettime',
  'timerfd_gettime64',
  'timerfd_settime',
  'timerfd_settime64',
  'times',
  'tkill',
  'truncate',
  'truncate64',
  'ugetrlimit',
  'umask',
  'uname',
  'unlink',
  'unlinkat',
  'utime',
  'utimensat',
  'utimensat_time64',
  'utimes',
  'vfork',
  'wait4',
  'waitid',
  'waitpid',
  'write',
  'writev',
];

/**
 * What the default filter refuses with EPERM, each with the capability that
 * lifts it (as Docker's and podman's profiles do when that capability is
 * added), or undefined when nothing does: the kernel keyring, bpf, perf,
 * userfaultfd, io_uring, vmsplice, modules, kexec, handle-based opens, clocks,
 * swap, reboot, mounts, host and domain names, and new namespaces (clone with
 * a CLONE_NEW* flag, unshare, setns). clone3 is not allowed (ENOSYS, as in
 * their profiles), so that libc falls back to clone, whose flags the filter
 * can see. ptrace stays allowed, as Docker allows it on kernels since 4.8.
 */
const DENIED: Record<string, string | undefined> = {
  add_key: undefined,
  keyctl: undefined,
  request_key: undefined,
  userfaultfd: undefined,
  io_uring_setup: undefined,
  io_uring_enter: undefined,
  io_uring_register: undefined,
  vmsplice: undefined,
  memfd_secret: undefined,
  get_kernel_syms: undefined,
  query_module: undefined,
  nfsservctl: undefined,
  uselib: undefined,
  ustat: undefined,
  sysfs: undefined,
  _sysctl: undefined,
  vm86: undefined,
  vm86old: undefined,
  acct: 'SYS_PACCT',
  bpf: 'SYS_ADMIN',
  perf_event_open: 'SYS_ADMIN',
  fanotify_init: 'SYS_ADMIN',
  clock_adjtime: 'SYS_TIME',
  clock_adjtime64: 'SYS_TIME',
  clock_settime: 'SYS_TIME',
  clock_settime64: 'SYS_TIME',
  settimeofday: 'SYS_TIME',
  stime: 'SYS_TIME',
  create_module: 'SYS_MODULE',
  delete_module: 'SYS_MODULE',
  finit_module: 'SYS_MODULE',
  init_module: 'SYS_MODULE',
  get_mempolicy: 'SYS_NICE',
  mbind: 'SYS_NICE',
  move_pages: 'SYS_NICE',
  migrate_pages: 'SYS_NICE',
  set_mempolicy: 'SYS_NICE',
  set_mempolicy_home_node: 'SYS_NICE',
  ioperm: 'SYS_RAWIO',
  iopl: 'SYS_RAWIO',
  kcmp: 'SYS_PTRACE',
  kexec_file_load: 'SYS_BOOT',
  kexec_load: 'SYS_BOOT',
  reboot: 'SYS_BOOT',
  lookup_dcookie: 'SYS_ADMIN',
  quotactl: 'SYS_ADMIN',
  quotactl_fd: 'SYS_ADMIN',
  mount: 'SYS_ADMIN',
  umount: 'SYS_ADMIN',
  umount2: 'SYS_ADMIN',
  pivot_root: 'SYS_ADMIN',
  fsconfig: 'SYS_ADMIN',
  fsmount: 'SYS_ADMIN',
  fsopen: 'SYS_ADMIN',
  fspick: 'SYS_ADMIN',
  mount_setattr: 'SYS_ADMIN',
  move_mount: 'SYS_ADMIN',
  open_tree: 'SYS_ADMIN',
  name_to_handle_at: 'DAC_READ_SEARCH',
  open_by_handle_at: 'DAC_READ_SEARCH',
  setns: 'SYS_ADMIN',
  unshare: 'SYS_ADMIN',
  sethostname: 'SYS_ADMIN',
  setdomainname: 'SYS_ADMIN',
  swapoff: 'SYS_ADMIN',
  swapon: 'SYS_ADMIN',
  syslog: 'SYSLOG',
  vhangup: 'SYS_TTY_CONFIG',
};

const LOW_32_BITS = 0xffffffff;

/**
 * masked_eq conditions (mask and value, on the low `bits` bits) that together
 * match every value but the refused ones: seccomp has no "none of", and an
 * allow rule without conditions would win over any errno rule of the same
 * syscall. Splits the values bit by bit, from the top, where a refused one lies.
 */
export function maskedValuesExcept(refused: number[], bits = 32): Array<{ mask: number; value: number }> {
  const conditions: Array<{ mask: number; value: number }> = [];
  const bitOf = (value: number, flag: number): number => (Math.floor(value / flag) % 2) * flag;
  const split = (mask: number, value: number, bit: number, inside: number[]): void => {
    if (inside.length === 0) {
      conditions.push({ mask, value });
      return;
    }
    if (bit < 0) return;
    const flag = 2 ** bit;
    for (const set of [0, flag])
      split(
        mask + flag,
        value + set,
        bit - 1,
        inside.filter((item) => bitOf(item, flag) === set),
      );
  };
  split(0, 0, bits - 1, refused);
  return conditions;
}

function ioctlRules(): SeccompSyscall[] {
  // The kernel takes the command as 32 bits: the upper ones may be anything.
  const allowed = maskedValuesExcept(REFUSED_IOCTLS).map(({ mask, value }): SeccompSyscall => ({
    names: ['ioctl'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 1, value: mask, valueTwo: value, op: 'SCMP_CMP_MASKED_EQ' }],
  }));
  const refused = REFUSED_IOCTLS.map((command): SeccompSyscall => ({
    names: ['ioctl'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EPERM,
    args: [{ index: 1, value: LOW_32_BITS, valueTwo: command, op: 'SCMP_CMP_MASKED_EQ' }],
  }));
  return [...allowed, ...refused];
}

function cloneRules(kept: Set<string>): SeccompSyscall[] {
  if (kept.has('SYS_ADMIN')) return [{ names: ['clone', 'clone3'], action: 'SCMP_ACT_ALLOW' }];
  const anyNamespace = NAMESPACE_FLAGS.reduce((all, flag) => all + flag, 0);
  return [
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: anyNamespace, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    ...NAMESPACE_FLAGS.map((flag): SeccompSyscall => ({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }] })),
  ];
}

/** The default filter for a command that keeps these capabilities (names with or without CAP_). */
export function defaultSeccomp(capabilities: string[] = []): Seccomp {
  const kept = new Set(capabilities.map((name) => name.replace(/^CAP_/, '')));
  const isLifted = (lifter: string | undefined): boolean => lifter !== undefined && kept.has(lifter);
  const lifted = Object.entries(DENIED)
    .filter(([, lifter]) => isLifted(lifter))
    .map(([name]) => name);
  const denied = Object.entries(DENIED)
    .filter(([, lifter]) => !isLifted(lifter))
    .map(([name]) => name)
    .sort();
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: ENOSYS,
    syscalls: [{ names: [...ALLOWED, ...lifted].sort(), action: 'SCMP_ACT_ALLOW' }, { names: denied, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }, ...cloneRules(kept), ...ioctlRules()],
  };
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
  if (word === undefined)
    throw invalid(`${where}: action ${JSON.stringify(action)} is not supported: use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP or SCMP_ACT_LOG`);
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
