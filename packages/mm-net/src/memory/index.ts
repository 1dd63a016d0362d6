export * from './block-layout.js';
export * from './module-memory-bank.js';
