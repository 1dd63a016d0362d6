export * from './node-weight-budget.js';
export * from './node-weight-execution.js';
export * from './planned-bank-reader.js';
