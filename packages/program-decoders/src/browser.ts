/**
 * The browser entry of @mmnet/program-decoders (the `browser` export condition): everything but saving and loading
 * generator checkpoint files.
 */
export * from './decoding/index.js';
export * from './generator/config.js';
export * from './generator/seq2seq-program-generator.js';
export * from './learning/index.js';
export * from './supervised/index.js';
