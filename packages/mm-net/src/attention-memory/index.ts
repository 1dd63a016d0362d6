export * from './member-addresses.js';
