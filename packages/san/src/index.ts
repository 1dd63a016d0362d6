export * from './attention/index.js';
export * from './classifier/index.js';
export * from './config/index.js';
export * from './model/index.js';
export * from './question/index.js';
