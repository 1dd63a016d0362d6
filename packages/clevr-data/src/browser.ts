/**
 * The browser entry of @mmnet/clevr-data (the `browser` export condition): the parts that need no files, for web
 * pages that answer questions about images: tokenising and encoding questions, CLEVR's formats, properties,
 * program functions and executor, float images and their resizing, and the feature extractors built from bytes
 * (the built-in CNN from its weights file's bytes, raw pixels).
 */
export {
  BuiltinCnn,
  type BuiltinCnnConfig,
  type BuiltinCnnOutput,
  builtinCnnConfigSchema,
  builtinCnnGrid,
} from './builtin-extractor/architecture.js';
export {
  type BuiltinExtractorFromBytes,
  builtinExtractorFromBytes,
  builtinExtractorNameOf,
  builtinWeightsFromBytes,
} from './builtin-extractor/builtin-weights.js';
export { builtinFeatureChannels, builtinFeatures } from './builtin-extractor/feature-map.js';
export {
  BUILTIN_WEIGHTS_FORMAT,
  type BuiltinWeightsMetadata,
  builtinWeightsMetadataSchema,
} from './builtin-extractor/weights-metadata.js';
export type { ClevrBatch } from './dataset/clevr-h5-dataset.js';
export * from './executor/index.js';
export {
  createRegisteredExtractor,
  type FeatureExtractor,
  type FeatureExtractorFactory,
  registeredFeatureExtractors,
  registerFeatureExtractor,
} from './features/feature-extractor.js';
export {
  type FloatRgbImage,
  type ResampleMethod,
  resizeBilinear,
  resizeForExtractor,
  resizePilBicubic,
} from './features/float-image.js';
export { type RawPixelsConfig, rawPixelsConfigSchema, rawPixelsExtractor } from './features/raw-pixels.js';
export * from './formats/index.js';
export * from './program/index.js';
export * from './properties/index.js';
export * from './vocab/index.js';
