export * from './command-line.js';
export * from './flags.js';
