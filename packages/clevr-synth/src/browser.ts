/**
 * The browser entry of @mmnet/clevr-synth (the `browser` export condition): the parts that need no files, for web
 * pages that extract features with the built-in CNN from its weights file's bytes.
 */
export * from './builtin-extractor/portable.js';
