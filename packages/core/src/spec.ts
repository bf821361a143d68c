/**
 * The container spec. Field names follow the OCI runtime-spec, so an OCI
 * `config.json` maps onto it one to one; Ryouiki implements a subset and says
 * so in validation rather than ignoring fields.
 */
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
}

export interface Process {
  args: string[];
  env: string[];
  cwd: string;
  user?: ProcessUser;
  terminal?: boolean;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface LinuxResources {
  memory?: { limit?: number; swap?: number };
  pids?: { limit: number };
  cpu?: { quota?: number; period?: number; shares?: number };
  /** cgroup v2 files by name; Ryouiki knows `cpu.weight` (and writes it as cpu.shares on v1). */
  unified?: Record<string, string>;
}

export interface Linux {
  namespaces: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  resources?: LinuxResources;
}

export interface ContainerSpec {
  ociVersion: string;
  process: Process;
  root: Root;
  hostname?: string;
  mounts?: Mount[];
  linux: Linux;
}

export const OCI_VERSION = '1.2.0';

/** The namespaces every Ryouiki container gets; `network` is dropped for host networking. */
export const DEFAULT_NAMESPACES: NamespaceType[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'network'];

export function hasNamespace(spec: ContainerSpec, type: NamespaceType): boolean {
  return spec.linux.namespaces.some((namespace) => namespace.type === type);
}
