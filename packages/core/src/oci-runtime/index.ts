export { ociCreate, type CreateOptions } from './create.js';
export { ociExec, type OciExecOptions } from './exec.js';
export { ociFeatures } from './features.js';
export { ociDelete, ociKill, ociList, ociPause, ociProcesses, ociStart, ociState, pidNamespaceMembers, type RuntimeOptions } from './lifecycle.js';
export { ociRun } from './run.js';
export { ociUpdate } from './update.js';
export { ociRoot, type OciRuntimeState, type OciStatus, type OciStoreOptions } from './store.js';
