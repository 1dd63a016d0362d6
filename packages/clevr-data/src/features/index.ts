export {
  type ExtractFeaturesConfig,
  type ExtractFeaturesResult,
  ExtractionAbortedError,
  extractFeatures,
  extractFeaturesConfigSchema,
  loadImageBatch,
} from './extract-features.js';
export {
  createRegisteredExtractor,
  type FeatureExtractor,
  type FeatureExtractorFactory,
  type RegisteredExtractorOptions,
  registeredFeatureExtractors,
  registerFeatureExtractor,
} from './feature-extractor.js';
export {
  featureFileMeta,
  type MergeFeatureShardsConfig,
  type MergeFeatureShardsResult,
  mergeFeatureShards,
} from './feature-shards.js';
export {
  type FloatRgbImage,
  type ResampleMethod,
  resizeBilinear,
  resizeForExtractor,
  resizePilBicubic,
} from './float-image.js';
export { listPngFiles } from './image-list.js';
export { normalizePixels, type PixelNormalization, pixelNormalizationSchema } from './pixel-normalization.js';
export { type RawPixelsConfig, rawPixelsConfigSchema, rawPixelsExtractor } from './raw-pixels.js';
export {
  decodeImageFloat,
  decodeJpegFloat,
  decodePngFloat,
  ImageDecodeError,
  readImageFile,
  readPngFile,
} from './rgb-image.js';
export { loadTorchResNetExtractor, TorchResNetTrunk } from './torch-resnet.js';
