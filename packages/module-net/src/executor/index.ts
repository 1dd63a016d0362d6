export * from './execute.js';
export * from './plan.js';
