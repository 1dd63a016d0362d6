export * from './question-encoder.js';
