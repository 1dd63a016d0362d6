export * from './node-weight-execution.js';
