export * from './decoding/index.js';
export * from './generator/index.js';
export * from './learning/index.js';
export * from './supervised/index.js';
