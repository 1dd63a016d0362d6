export * from './arity.js';
export * from './parse-prefix.js';
export * from './tree.js';
export * from './vocabulary.js';
