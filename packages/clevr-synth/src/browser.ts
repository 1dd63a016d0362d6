/**
 * The browser entry of @mmnet/clevr-synth (the `browser` export condition): the parts that need no files, for web
 * pages that extract features with the built-in CNN from its weights file's bytes.
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
