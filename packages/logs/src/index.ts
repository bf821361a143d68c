export * from './binding-vow.js';
