/**
 * The browser entry of @mmnet/trainer (the `browser` export condition): what a web page needs to answer
 * questions with a run exported by `mmnet export --web`, with the same code as `mmnet predict`: the built-in
 * models, the predictor, program trees and step overlays. No files, no terminal.
 */
export * from './config/train-config.js';
export { builtinModels } from './models/builtin-models.js';
export { createModel } from './models/create-model.js';
export type * from './models/model-adapter.js';
export { checkpointConfig, modelFromCheckpoint } from './models/model-from-checkpoint.js';
export { type ModelEntry, ModelRegistry } from './models/registry.js';
export { overlayImage } from './predict/overlay.js';
export { type Prediction, type PredictionInput, Predictor } from './predict/predictor.js';
export {
  type DisplayNode,
  executionOrder,
  formatProgramTree,
  prefixTree,
} from './predict/program-tree.js';
export { type EncodedFreeQuestion, encodeFreeQuestion } from './predict/question-words.js';
export * from './web/web-model.js';
