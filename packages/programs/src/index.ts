export * from './arity.js';
export * from './id-rows.js';
export * from './program-vocabulary.js';
export * from './tokens.js';
export * from './tree.js';
export * from './types.js';
export * from './vocab.js';
