export * from './config.js';
export * from './controller.js';
export * from './layout.js';
export * from './soft-stack.js';
export * from './stack-network.js';
