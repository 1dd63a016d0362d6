export * from './addressing.js';
export * from './attention-memory/index.js';
export * from './execution/index.js';
export * from './memory/index.js';
export * from './pg-endtoend/index.js';
export * from './pg-memory/index.js';
export * from './stack-executor/index.js';
