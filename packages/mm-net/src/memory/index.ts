export * from './block-layout.js';
export * from './block-reads.js';
export * from './create-module-memory.js';
export * from './memory-read.js';
export * from './module-memory.js';
export * from './module-memory-bank.js';
export * from './per-call-block-reads.js';
export * from './residual-bank-memory.js';
