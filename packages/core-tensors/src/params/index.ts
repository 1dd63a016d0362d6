export * from './initializers.js';
export * from './parameter-store.js';
