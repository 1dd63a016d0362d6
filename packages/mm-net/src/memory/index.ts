export * from './block-layout.js';
export * from './block-reads.js';
export * from './memory-read.js';
export * from './module-memory-bank.js';
