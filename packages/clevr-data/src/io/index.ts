export { type StreamClevrJsonOptions, streamQuestionsFile, streamScenesFile } from './clevr-json.js';
export {
  type JsonArrayStreamOptions,
  JsonFileError,
  readJsonArrayField,
  streamJsonArrayField,
} from './json-array-stream.js';
export * from './png.js';
export {
  formatBytes,
  formatProgress,
  type Progress,
  type ProgressCallback,
  throttleProgress,
} from './progress.js';
