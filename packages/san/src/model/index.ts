export * from './san.js';
export * from './san-parts.js';
export * from './san-word-by-word.js';
