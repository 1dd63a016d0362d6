export * from './exact-match.js';
export * from './sequence-loss.js';
