export * from './stem.js';
