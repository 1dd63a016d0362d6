export * from './attention-family-memory.js';
export * from './member-addresses.js';
