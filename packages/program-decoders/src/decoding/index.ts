export * from './beam-search.js';
export * from './decoded-programs.js';
export * from './greedy-and-sampled.js';
export * from './repair-program.js';
export * from './stepwise-decode.js';
