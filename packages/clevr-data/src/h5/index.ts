export {
  FEATURES_DATASET,
  FeaturesH5Reader,
  FeaturesH5Writer,
  type FeaturesWriterOptions,
  nchwToNhwc,
  nhwcToNchw,
  partialPathFor,
} from './features-h5.js';
export { H5FileError, loadH5wasm } from './h5wasm-loader.js';
export { type IntMatrix, matrixRows, toBigInt64Array, toInt32Array } from './int-arrays.js';
export {
  checkQuestionArrays,
  type H5IntDtype,
  type QuestionArrays,
  readQuestionsH5,
  readQuestionsMeta,
  type WriteQuestionsH5Options,
  writeQuestionsH5,
} from './questions-h5.js';
