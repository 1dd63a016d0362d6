export * from './atomic-write.js';
export * from './output-path.js';
