export * from './fill-gradients.js';
export * from './gather-rows.js';
