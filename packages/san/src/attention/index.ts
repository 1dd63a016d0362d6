export * from './stacked-attention.js';
