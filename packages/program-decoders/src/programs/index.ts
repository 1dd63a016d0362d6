export * from './program-vocabulary.js';
export * from './repair-program.js';
