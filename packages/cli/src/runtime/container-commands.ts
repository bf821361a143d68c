/**
 * What ryouiki-runtime's commands that make or enter containers (create,
 * run, exec, update, features) call: most of @ryouiki/core, so bundled apart
 * (dist/ryouiki-runtime-containers.cjs) and loaded only when one of them runs.
 * Its own isRyouikiError: an error made by this bundle's copy of core.
 */
export { isRyouikiError, ociCreate, ociExec, ociFeatures, ociRun, ociUpdate } from '@ryouiki/core/internal';
