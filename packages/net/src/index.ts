export * from './container-network.js';
export * from './names.js';
export * from './net-error.js';
export * from './network-mode.js';
export * from './publish.js';
export * from './tun-device.js';
