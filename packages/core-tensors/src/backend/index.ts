export * from './init-backend.js';
export * from './wasm-trap.js';
