export * from './module-network.js';
