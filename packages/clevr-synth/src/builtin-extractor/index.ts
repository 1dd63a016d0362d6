export { mergePatches } from './architecture.js';
export {
  ATTRIBUTE_CHANNELS,
  ATTRIBUTE_GROUPS,
  ATTRIBUTE_LOGITS,
  type AttributeGroupName,
  attributeClassTargets,
  GROUP_OFFSETS,
} from './attribute-groups.js';
export {
  type BuiltinExtractor,
  builtinExtractorName,
  createBuiltinExtractor,
} from './create-builtin-extractor.js';
export * from './portable.js';
export { assemblePretextBatch, type PretextBatch } from './pretext-batch.js';
export { attributeProbabilities, PretextAccuracy, predictedClasses, pretextLoss } from './pretext-loss.js';
export {
  type PretextSample,
  type PretextSampleOptions,
  renderPretextSample,
  TARGETS_PER_CELL,
} from './pretext-samples.js';
export {
  BUILTIN_WEIGHTS_FILENAME,
  defaultBuiltinWeightsPath,
  packageWeightsDir,
  readBuiltinWeights,
} from './weights-file.js';
