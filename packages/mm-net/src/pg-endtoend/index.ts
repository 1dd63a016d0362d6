export * from './config.js';
export * from './end-to-end-network.js';
export * from './learner.js';
export * from './objective.js';
