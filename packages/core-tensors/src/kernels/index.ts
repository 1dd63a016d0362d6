export * from './install-wasm-kernels.js';
export * from './wasm-identity.js';
export * from './wasm-one-hot.js';
export * from './wasm-slice.js';
export * from './wasm-tanh.js';
