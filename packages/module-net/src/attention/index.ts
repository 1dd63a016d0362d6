export * from './attention-modules.js';
