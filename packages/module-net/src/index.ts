export * from './attention/index.js';
export * from './blocks/index.js';
export * from './classifier/index.js';
export * from './executor/index.js';
export * from './model/index.js';
export * from './ops/index.js';
export * from './registry/index.js';
export * from './stem/index.js';
