export * from './batch-norm-layer.js';
export * from './conv-layer.js';
export * from './embedding-layer.js';
export * from './linear-layer.js';
export * from './recurrent.js';
