export * from './attention-modules.js';
export * from './member-dense.js';
