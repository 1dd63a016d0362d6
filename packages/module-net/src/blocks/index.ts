export * from './conv-weights.js';
export * from './residual-blocks.js';
export * from './residual-modules.js';
