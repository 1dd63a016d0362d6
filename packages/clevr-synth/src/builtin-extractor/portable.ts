/** The built-in CNN's parts that need no files: the browser entry exports them too. */
export {
  BuiltinCnn,
  type BuiltinCnnConfig,
  type BuiltinCnnOutput,
  builtinCnnConfigSchema,
  builtinCnnGrid,
} from './architecture.js';
export {
  type BuiltinExtractorFromBytes,
  builtinExtractorFromBytes,
  builtinExtractorNameOf,
  builtinWeightsFromBytes,
} from './builtin-weights.js';
export { builtinFeatureChannels, builtinFeatures } from './feature-map.js';
export {
  BUILTIN_WEIGHTS_FORMAT,
  type BuiltinWeightsMetadata,
  builtinWeightsMetadataSchema,
} from './weights-metadata.js';
