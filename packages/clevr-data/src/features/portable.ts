/** The feature-extraction parts that need no files: the browser entry exports them too. */
export {
  createRegisteredExtractor,
  type FeatureExtractor,
  type FeatureExtractorFactory,
  type RegisteredExtractorOptions,
  registeredFeatureExtractors,
  registerFeatureExtractor,
} from './feature-extractor.js';
export {
  type FloatRgbImage,
  type ResampleMethod,
  resizeBilinear,
  resizeForExtractor,
  resizePilBicubic,
} from './float-image.js';
export { normalizePixels, type PixelNormalization, pixelNormalizationSchema } from './pixel-normalization.js';
export { type RawPixelsConfig, rawPixelsConfigSchema, rawPixelsExtractor } from './raw-pixels.js';
