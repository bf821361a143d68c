export * from './container-options.js';
export * from './env-file.js';
export * from './errors.js';
export { helperArgs, helperPath, type HelperEvent } from './helper.js';
export * from './paths.js';
export * from './process-logs.js';
export * from './run.js';
export * from './spec.js';
export * from './validate.js';
