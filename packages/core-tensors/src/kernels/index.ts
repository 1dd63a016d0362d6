export * from './wasm-slice.js';
