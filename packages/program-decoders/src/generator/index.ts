export * from './config.js';
export * from './seq2seq-program-generator.js';
