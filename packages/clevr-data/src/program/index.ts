export * from './errors.js';
export * from './functions.js';
export * from './tokens.js';
export * from './tree.js';
export * from './typecheck.js';
