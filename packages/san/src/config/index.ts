export * from './san-config.js';
