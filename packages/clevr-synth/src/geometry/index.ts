export * from './camera.js';
export * from './directions.js';
export * from './lights.js';
export * from './types.js';
export * from './vec3.js';
