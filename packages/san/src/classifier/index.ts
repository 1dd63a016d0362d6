export * from './mlp-classifier.js';
