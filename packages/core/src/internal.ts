/**
 * Everything of @ryouiki/core, for Ryouiki's own command lines (@ryouiki/cli)
 * and tests: `@ryouiki/core/internal`. Nothing here is a stable API; a
 * program uses `@ryouiki/core` (index.ts).
 */
export * from './cgroup/cgroup.js';
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
} from './cgroup/cgroup-control.js';
export * from './cgroup/cgroup-limits.js';
export { detectCgroups, isWritableDir, type CgroupHierarchy, type CgroupMode, type CgroupOptions, type CgroupSystem } from './cgroup/cgroup-system.js';
export * from './spec/container-options.js';
export * from './spec/env-file.js';
export * from './errors.js';
export { helperArgs, helperPath, type HelperEvent } from './helper/helper.js';
export * from './store/paths.js';
export * from './store/process-logs.js';
export * from './run.js';
export * from './store/runtime-dir.js';
export * from './spec/spec.js';
export * from './spec/spec-builder.js';
export * from './helper/terminal.js';
export * from './spec/validate.js';
export * from './store/container-control.js';
export * from './store/container-end.js';
export * from './store/container-logs.js';
export * from './store/container-lookup.js';
export * from './store/container-names.js';
export * from './store/container-state.js';
export * from './store/state-store.js';
export { registerResourceReleaser, releaseRecorded, warnOnceOnStderr, type Resource, type ResourceReleaser } from './launch/resource.js';
export { type ContainerRequest, type Launchable } from './launch/plan.js';
export * from './helper/monitor.js';
export * from './store/proc-identity.js';
export * from './start.js';
export * from './restart.js';
export * from './helper/exec.js';
export * from './helper/attach.js';
export * from './helper/detach-keys.js';
export * from './spec/capabilities.js';
export { createContainerFiles, removeContainerFiles, type ContainerFiles } from './launch/container-files.js';
export * from './spec/id-map.js';
export * from './spec/isolation-options.js';
export * from './spec/seccomp.js';
export * from './spec/user.js';
export * from './spec/volumes.js';
export { loadOciBundle, ociConfigToSpec, HOOK_KINDS, type OciBundle, type OciConfig, type OciHook, type OciHookKind, type OciHooks, type OciOptions } from './oci/bundle.js';
export { defaultOciConfig, writeDefaultOciConfig } from './oci/default-config.js';
export { planBundle, type BundleRunOptions } from './oci/plan.js';
export { runHook, runHooks, hookResource, type OciState } from './oci/hooks.js';
export * from './oci-runtime/index.js';
export * from './container.js';
export { asRuntimeError } from './errors.js';
export * from './spec/container-flags.js';
export * from './images/index.js';
