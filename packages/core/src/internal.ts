/**
 * Everything of @ryouiki/core, for Ryouiki's own command lines (@ryouiki/cli)
 * and tests: `@ryouiki/core/internal`. Nothing here is a stable API; a
 * program uses `@ryouiki/core` (index.ts).
 */
export * from './cgroup.js';
export {
  cgroupStats,
  containerStats,
  findContainerCgroups,
  listContainerCgroups,
  type ContainerStats,
  killCgroup,
  removeCgroups,
  removeStaleCgroups,
  type CgroupFolder,
  type CgroupStats,
  type ContainerCgroups,
} from './cgroup-control.js';
export * from './cgroup-limits.js';
export { detectCgroups, isWritableDir, type CgroupHierarchy, type CgroupMode, type CgroupOptions, type CgroupSystem } from './cgroup-system.js';
export * from './container-options.js';
export * from './env-file.js';
export * from './errors.js';
export { helperArgs, helperPath, type HelperEvent } from './helper.js';
export * from './paths.js';
export * from './process-logs.js';
export * from './run.js';
export * from './runtime-dir.js';
export * from './spec.js';
export * from './spec-builder.js';
export * from './terminal.js';
export * from './validate.js';
export * from './container-control.js';
export * from './container-end.js';
export * from './container-logs.js';
export * from './container-lookup.js';
export * from './container-names.js';
export * from './container-state.js';
export * from './state-store.js';
export { registerResourceReleaser, releaseRecorded, warnOnceOnStderr, type Resource, type ResourceReleaser } from './launch/resource.js';
export { type ContainerRequest, type Launchable } from './launch/plan.js';
export * from './monitor.js';
export * from './proc-identity.js';
export * from './start.js';
export * from './restart.js';
export * from './exec.js';
export * from './attach.js';
export * from './detach-keys.js';
export * from './capabilities.js';
export { createContainerFiles, removeContainerFiles, type ContainerFiles } from './container-dir.js';
export * from './id-map.js';
export * from './isolation-options.js';
export * from './seccomp.js';
export * from './user.js';
export * from './volumes.js';
export { loadOciBundle, ociConfigToSpec, HOOK_KINDS, type OciBundle, type OciConfig, type OciHook, type OciHookKind, type OciHooks, type OciOptions } from './oci/bundle.js';
export { defaultOciConfig, writeDefaultOciConfig } from './oci/default-config.js';
export { planBundle, type BundleRunOptions } from './oci/plan.js';
export { runHook, runHooks, hookResource, type OciState } from './oci/hooks.js';
export * from './oci-runtime/index.js';
export * from './container.js';
export { asRuntimeError } from './errors.js';
export * from './container-flags.js';
export * from './images/index.js';
