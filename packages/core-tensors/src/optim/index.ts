export * from './adam.js';
export * from './adam-update.js';
export * from './gradient-clipping.js';
