export * from './config.js';
export * from './end-to-end-network.js';
export * from './objective.js';
export * from './training-pass.js';
