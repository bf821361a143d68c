export * from './binding-vow.js';
export * from './cri-log.js';
export * from './follow-log.js';
export * from './process-identity.js';
