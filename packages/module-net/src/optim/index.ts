export * from './per-variable-optimizer.js';
