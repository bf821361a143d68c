/**
 * The OCI runtime-spec's config.json (1.0 to 1.2), as far as Ryouiki reads
 * it. Fields Ryouiki does not implement are listed by name in the
 * translation (see UNSUPPORTED in bundle.ts), so that they are refused rather
 * than ignored; properties the spec does not know are ignored, as it asks.
 */
import type { Seccomp } from '../spec/seccomp.js';
import type { IdMapping, LinuxDevice, Mount, NamespaceType, Rlimit } from '../spec/spec.js';

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type OciHookKind = (typeof HOOK_KINDS)[number];
export type OciHooks = Partial<Record<OciHookKind, OciHook[]>>;

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[]; username?: string };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: { bounding?: string[]; effective?: string[]; inheritable?: string[]; permitted?: string[]; ambient?: string[] };
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
  selinuxLabel?: string;
  [field: string]: unknown;
}

export interface OciLinuxResources {
  memory?: { limit?: number; swap?: number; [field: string]: unknown };
  cpu?: { shares?: number; quota?: number; period?: number; [field: string]: unknown };
  pids?: { limit: number };
  devices?: Array<{ allow: boolean; type?: string; major?: number; minor?: number; access?: string }>;
  unified?: Record<string, string>;
  [field: string]: unknown;
}

export interface OciLinux {
  namespaces?: Array<{ type: NamespaceType; path?: string }>;
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  devices?: LinuxDevice[];
  cgroupsPath?: string;
  resources?: OciLinuxResources;
  rootfsPropagation?: string;
  seccomp?: Seccomp & { flags?: string[]; listenerPath?: string };
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  [field: string]: unknown;
}

export interface OciConfig {
  ociVersion: string;
  process?: OciProcess;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: OciHooks;
  annotations?: Record<string, string>;
  linux?: OciLinux;
  [field: string]: unknown;
}
