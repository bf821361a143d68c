/**
 * @ryouiki/core: rootless containers from Node.js. See the package README
 * for every option.
 *
 *   const result = await run({ rootfs: '/tmp/rootfs', command: ['echo', 'hi'] });
 *   const c = await start({ rootfs, command: ['httpd', '-f'], name: 'web' });
 */
export { run, type RunOptions, type RunResult, type ContainerRun } from './run.js';
export { start, DEFAULT_LOG_MAX_SIZE, type StartOptions, type StartResult } from './start.js';
export { Container } from './container.js';
export type { ContainerRequest, Launchable } from './launch/plan.js';
export { planContainer, type ContainerOptions, type ContainerPlan } from './spec/container-options.js';
export { containerSpec, ContainerSpecBuilder } from './spec/spec-builder.js';
export type { ContainerSpec, Mount, IdMapping } from './spec/spec.js';
export { loadOciBundle, type OciBundle, type OciConfig } from './oci/bundle.js';
export { planBundle, type BundleRunOptions } from './oci/plan.js';
export { defaultOciConfig, writeDefaultOciConfig } from './oci/default-config.js';
export { listContainers, inspectContainer, stopContainer, killContainer, removeContainer, waitContainer } from './store/container-control.js';
export { restartContainer, type RestartOptions } from './restart.js';
export type { ContainerState, ContainerStatus, ExitReason } from './store/container-state.js';
export { execInContainer, type ExecOptions } from './helper/exec.js';
export { containerLog, type ContainerLogOptions } from './store/container-logs.js';
export { containerStats, type ContainerStats, type CgroupStats } from './cgroup/cgroup-control.js';
export type { CgroupOptions } from './cgroup/cgroup-system.js';
export type { CgroupReport } from './cgroup/cgroup.js';
export { processLogs, parsePidList, type ProcessLog } from './store/process-logs.js';
export { parseEnvFile, readEnvFile } from './spec/env-file.js';
export { RyouikiError, isRyouikiError, EXIT_RUNTIME_ERROR, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, type ErrorCode, type SpecProblem } from './errors.js';
export type { StoreOptions } from './store/paths.js';
export {
  pull,
  images,
  inspectImage,
  removeImage,
  tagImage,
  pruneImages,
  loadImages,
  importTarball,
  saveImage,
  commitContainer,
  storeCredentials,
  removeCredentials,
  type PullOptions,
  type ImageSummary,
  type ImageInspection,
  type ImageRecord,
  type Credentials,
} from './images/index.js';
