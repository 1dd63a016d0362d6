export * from './config.js';
export * from './module-memory-network.js';
