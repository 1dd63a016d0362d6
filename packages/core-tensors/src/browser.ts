/**
 * The browser entry of @mmnet/core-tensors (the `browser` export condition): everything but file access and the
 * Node backends, plus `initBrowserBackend` (webgl, else wasm, else cpu). Bundlers pick it for web pages.
 */
import './engine/register-gradients.js';

export * as tf from '@tensorflow/tfjs-core';
export * from './backend/browser-backend.js';
export * from './backend/wasm-trap.js';
export * from './checkpoint/checkpoint-data.js';
export * from './checkpoint/safetensors-format.js';
export * from './cli/index.js';
export * from './kernels/index.js';
export * from './layers/index.js';
export * from './ops/index.js';
export * from './optim/index.js';
export * from './params/index.js';
export * from './rng/index.js';
