export * from './builtin-extractor/index.js';
export * from './dataset/index.js';
export * from './extractors/index.js';
export * from './geometry/index.js';
export * from './presets/index.js';
export * from './questions/index.js';
export * from './render/index.js';
export * from './scene/index.js';
