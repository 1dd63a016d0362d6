export * from './build.js';
export * from './encode.js';
export * from './tokenize.js';
