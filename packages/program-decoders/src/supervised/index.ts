export * from './exact-match.js';
export * from './length-batches.js';
export * from './sequence-loss.js';
