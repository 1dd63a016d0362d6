export * from './config.js';
export * from './generator-checkpoint.js';
export * from './seq2seq-program-generator.js';
