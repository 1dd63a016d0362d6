export {
  type ExtractFeaturesConfig,
  type ExtractFeaturesResult,
  ExtractionAbortedError,
  extractFeatures,
  extractFeaturesConfigSchema,
  loadImageBatch,
} from './extract-features.js';
export {
  featureFileMeta,
  type MergeFeatureShardsConfig,
  type MergeFeatureShardsResult,
  mergeFeatureShards,
} from './feature-shards.js';
export { listPngFiles } from './image-list.js';
export * from './portable.js';
export {
  decodeImageFloat,
  decodeJpegFloat,
  decodePngFloat,
  ImageDecodeError,
  readImageFile,
  readPngFile,
} from './rgb-image.js';
export { loadTorchResNetExtractor, TorchResNetTrunk } from './torch-resnet.js';
