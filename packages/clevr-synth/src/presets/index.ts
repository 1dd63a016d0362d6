export {
  type BuildPresetOptions,
  buildPreset,
  type PresetFiles,
  type PresetSplitFiles,
} from './build-preset.js';
export {
  type BuildOutOfRangeOptions,
  buildOutOfRangeSet,
  getOutOfRangeVariant,
  OUT_OF_RANGE_VARIANTS,
  type OutOfRangeSetFiles,
  type OutOfRangeVariant,
  outOfRangeVariantNames,
  questionsInVocab,
  type VocabSplit,
} from './out-of-range.js';
export {
  getPreset,
  PRESETS,
  type PresetDefinition,
  presetDefinitionSchema,
  presetNames,
} from './preset-definitions.js';
export { PRESET_MANIFEST, type PresetManifest, readPresetManifest } from './preset-manifest.js';
