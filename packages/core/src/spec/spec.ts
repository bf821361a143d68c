/**
 * The container spec. Field names follow the OCI runtime-spec, so an OCI
 * `config.json` maps onto it one to one; Ryouiki implements a subset and says
 * so in validation rather than ignoring fields.
 */
import type { OciHook } from '../oci/config.js';
import type { Seccomp } from './seccomp.js';

export type NamespaceType = 'user' | 'mount' | 'pid' | 'uts' | 'ipc' | 'network' | 'cgroup' | 'time';

export interface Namespace {
  type: NamespaceType;
  path?: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/**
 * Marks a bind mount of a file generated for one run (the network's
 * /etc/resolv.conf and /etc/hosts): the helper opens it before it reports the
 * PID, so its maker may delete it right away and a SIGKILL leaves nothing.
 */
export const BIND_FILE_OPTION = 'x-ryouiki-bind-file';

export function isBindFile(mount: Mount): boolean {
  return mount.type === 'bind' && (mount.options ?? []).includes(BIND_FILE_OPTION);
}

export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
}

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  /** The command's umask (default: the caller's). */
  umask?: number;
}

/** A device node of the host, bound into the container's /dev (rootless: nothing can mknod). */
export interface LinuxDevice {
  path: string;
  type: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface Process {
  args: string[];
  env: string[];
  cwd: string;
  user?: ProcessUser;
  terminal?: boolean;
  /** Names such as CAP_CHOWN; Ryouiki applies `bounding` to the bounding, effective, permitted and inheritable sets. */
  capabilities?: Capabilities;
  noNewPrivileges?: boolean;
  /**
   * Ryouiki's own: apply each capability set as given, as the OCI runtime-spec
   * does (a bundle's spec has it); without it `bounding` goes to every set.
   */
  exactCapabilities?: boolean;
  /** Resource limits set with setrlimit before the command runs (RLIMIT_NOFILE...). */
  rlimits?: Rlimit[];
  /** Written to /proc/self/oom_score_adj; a rootless container can only raise it. */
  oomScoreAdj?: number;
  /** The terminal's size, with `terminal`. */
  consoleSize?: { height: number; width: number };
}

export interface Rlimit {
  /** RLIMIT_NOFILE, RLIMIT_NPROC, ... */
  type: string;
  soft: number;
  hard: number;
}

export interface Root {
  path: string;
  readonly?: boolean;
  /** Ryouiki's own: a copy-on-write overlay on the rootfs, its writes in the state folder. */
  overlay?: boolean;
  /** Ryouiki's own, with overlay: further lower layers under `path`, top first (an image's layers). */
  lowerPaths?: string[];
  /** Ryouiki's own: the image the root is made of (ps shows it; rmi refuses while a container uses it). */
  image?: { name: string; id: string; stopSignal?: string; labels?: Record<string, string> };
  /**
   * Ryouiki's own, as podman's --read-only-tmpfs: with readonly, writable tmpfs
   * on /tmp and /run (default true). A bundle's spec says false: OCI mounts
   * only what config.json lists.
   */
  readonlyTmpfs?: boolean;
}

/** A block device's rate (bytes or I/O operations per second) in blockIO's throttle lists. */
export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface WeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface BlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface LinuxResources {
  memory?: { limit?: number; swap?: number; reservation?: number; swappiness?: number; disableOOMKiller?: boolean; kernel?: number; kernelTCP?: number };
  pids?: { limit: number };
  cpu?: { quota?: number; period?: number; shares?: number; cpus?: string; mems?: string };
  blockIO?: BlockIO;
  /** pageSize as the kernel names it in hugetlb's files: 2MB, 1GB. */
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  /** cgroup v2 files by name; Ryouiki knows `cpu.weight` (and writes it as cpu.shares on v1). */
  unified?: Record<string, string>;
}

export interface Linux {
  namespaces: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  /**
   * Ryouiki's own: the maps are the default full map Ryouiki chose, which falls
   * back to a single-id map with a warning when newuidmap refuses it (as
   * podman's does). Maps a user gave (a bundle's linux.uidMappings) never do.
   */
  idMapsAreDefault?: boolean;
  resources?: LinuxResources;
  seccomp?: Seccomp;
  /** Namespaced kernel parameters (net.*, kernel.shm*, ...), written once /proc is mounted. */
  sysctl?: Record<string, string>;
  /** When given, these replace Ryouiki's default lists of paths to hide and to make read-only. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** private (default), rprivate, slave, rslave, shared, rshared, unbindable or runbindable. */
  rootfsPropagation?: string;
  devices?: LinuxDevice[];
}

export interface ContainerSpec {
  ociVersion: string;
  process: Process;
  root: Root;
  hostname?: string;
  /** The NIS domain name of the container's UTS namespace. */
  domainname?: string;
  mounts?: Mount[];
  /** mounts are the container's whole list, in order (a bundle's): no /proc, /dev, /dev/pts, /dev/shm or /sys of Ryouiki's own. */
  onlyGivenMounts?: boolean;
  linux: Linux;
  /** Ryouiki's own: every capability of the user namespace, no seccomp filter, no masked paths. */
  privileged?: boolean;
  /**
   * OCI startContainer hooks (a bundle's): the container's init runs them in
   * the container just before the command, each with `state` on its stdin,
   * its pid added. The other hooks run outside (see hookResource).
   */
  startContainerHooks?: { hooks: OciHook[]; state: Record<string, unknown> };
}

export const OCI_VERSION = '1.2.0';

/** The namespaces every Ryouiki container gets; `network` is dropped for host networking. */
export const DEFAULT_NAMESPACES: NamespaceType[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'network'];

export function hasNamespace(spec: ContainerSpec, type: NamespaceType): boolean {
  return spec.linux.namespaces.some((namespace) => namespace.type === type);
}
