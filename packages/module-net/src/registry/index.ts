export * from './clevr-modules.js';
export * from './module-registry.js';
