export * from './seeded-rng.js';
