export * from './module-classifier.js';
