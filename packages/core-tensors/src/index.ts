/** The Node entry of @mmnet/core-tensors: the browser entry plus file access and the Node backends. */
export * from './backend/init-backend.js';
export * from './browser.js';
export * from './checkpoint/checkpoint-files.js';
export * from './files/index.js';
