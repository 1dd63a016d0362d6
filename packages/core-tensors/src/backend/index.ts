export * from './browser-backend.js';
export * from './init-backend.js';
export * from './wasm-trap.js';
