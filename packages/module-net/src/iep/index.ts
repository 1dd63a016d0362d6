export * from './iep-blocks.js';
export * from './iep-modules.js';
export * from './iep-programs.js';
