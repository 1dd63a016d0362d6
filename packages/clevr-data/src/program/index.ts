export * from './functions.js';
export * from './typecheck.js';
