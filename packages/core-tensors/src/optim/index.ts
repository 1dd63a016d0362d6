export * from './gradient-clipping.js';
