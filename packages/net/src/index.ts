export * from './network-mode.js';
