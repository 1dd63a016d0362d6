export * from './parse.js';
export * from './question-schema.js';
export * from './scene-schema.js';
export * from './zod-error.js';
