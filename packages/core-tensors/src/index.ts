import './engine/register-gradients.js';

export * as tf from '@tensorflow/tfjs-core';
export * from './backend/index.js';
export * from './checkpoint/index.js';
export * from './cli/index.js';
export * from './files/index.js';
export * from './kernels/index.js';
export * from './layers/index.js';
export * from './ops/index.js';
export * from './optim/index.js';
export * from './params/index.js';
export * from './rng/index.js';
