export * from './binding-vow.js';
export * from './cri-log.js';
