/**
 * The browser entry of @mmnet/clevr-data (the `browser` export condition): the parts that need no files, for web
 * pages that answer questions about images: tokenising and encoding questions, CLEVR's formats, properties,
 * program functions and executor, float images and their resizing, and the raw-pixels feature extractor.
 */
export type { ClevrBatch } from './dataset/clevr-h5-dataset.js';
export * from './executor/index.js';
export * from './features/portable.js';
export * from './formats/index.js';
export * from './program/index.js';
export * from './properties/index.js';
export * from './vocab/index.js';
