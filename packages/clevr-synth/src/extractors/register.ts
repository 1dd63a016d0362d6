import { registerFeatureExtractor } from '@mmnet/clevr-data';

/**
 * Registers this package's extractors with @mmnet/clevr-data's registry: `builtin` (the built-in CNN; `modelPath`
 * names other weights than the committed ones) and `tfjs-model` (a tfjs model.json; needs `modelPath`). Importing
 * the package registers nothing: the `mmnet-data` and `mmnet` commands call this (calling it twice is harmless).
 * Each factory loads its module when used, so registering loads no network code.
 */
export function registerExtractors(): void {
  registerFeatureExtractor('builtin', async (input, options) => {
    const { createBuiltinExtractor } = await import('../builtin-extractor/create-builtin-extractor.js');
    return createBuiltinExtractor(input, { weightsPath: options.modelPath });
  });
  registerFeatureExtractor('tfjs-model', async (input, options) => {
    if (options.modelPath === undefined) throw new Error('the tfjs-model extractor needs a model path');
    const { loadTfjsModelExtractor } = await import('./tfjs-model.js');
    return loadTfjsModelExtractor(input, {
      modelPath: options.modelPath,
      outputNode: options.outputNode,
      normalization: options.normalization,
    });
  });
}
