export * from './coordinate-maps.js';
export * from './stem.js';
