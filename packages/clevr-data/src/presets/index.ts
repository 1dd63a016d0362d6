export {
  type BuildPresetOptions,
  buildPreset,
  type PresetFiles,
  type PresetSplitFiles,
} from './build-preset.js';
export {
  getPreset,
  PRESETS,
  type PresetDefinition,
  presetDefinitionSchema,
  presetNames,
} from './preset-definitions.js';
export { PRESET_MANIFEST, type PresetManifest, readPresetManifest } from './preset-manifest.js';
