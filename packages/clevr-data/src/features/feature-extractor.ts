import type { tf } from '@mmnet/core-tensors';
import type { ResampleMethod } from './float-image.js';
import type { PixelNormalization } from './pixel-normalization.js';

/**
 * Turns a batch of images into feature maps. Input: [B, H, W, 3] float32 RGB in [0, 1] (NHWC, as tfjs wants);
 * output: [B, h, w, c] (NHWC). Feature files store them as [N, c, h, w] (the reference layout).
 */
export interface FeatureExtractor {
  /** Short identifier recorded in the feature file (a resume with another extractor is refused). */
  name: string;
  /** [h, w, c] of one image's features for the configured input size. */
  outputShape: [number, number, number];
  /** How images are resized to the input size (`resizeForExtractor`); default bilinear. */
  resample?: ResampleMethod;
  /** Must not keep references to `batch`; the caller disposes input and output. */
  extract(batch: tf.Tensor4D): tf.Tensor4D;
  /** Frees the extractor's weights, if any. */
  dispose?(): void;
}

/** What `extract-features` passes a registered extractor besides the image size (each uses what it needs). */
export interface RegisteredExtractorOptions {
  /** A model or weights file (`--model_path`). */
  modelPath?: string;
  /** The graph node or layer whose output is taken (`--output_node`). */
  outputNode?: string;
  /** How pixels are mapped before the network (`--normalization`). */
  normalization?: PixelNormalization;
}

/** A factory for an extractor, given the input image size and the options above. */
export type FeatureExtractorFactory = (
  input: { height: number; width: number },
  options: RegisteredExtractorOptions,
) => Promise<FeatureExtractor>;

const registry = new Map<string, FeatureExtractorFactory>();

/**
 * The slots for extractors that other packages provide (this package holds no model): a package registers its
 * extractors here, e.g. `registerExtractors()` of @mmnet/clevr-synth registers `builtin` and `tfjs-model`, which
 * `extract-features --extractor builtin|tfjs-model` then use. Registering a name again replaces its factory.
 */
export function registerFeatureExtractor(name: string, factory: FeatureExtractorFactory): void {
  registry.set(name, factory);
}

export function registeredFeatureExtractors(): string[] {
  return [...registry.keys()].sort();
}

/** Creates the extractor registered as `name`, or throws naming what is registered. */
export async function createRegisteredExtractor(
  name: string,
  input: { height: number; width: number },
  options: RegisteredExtractorOptions = {},
): Promise<FeatureExtractor> {
  const factory = registry.get(name);
  if (!factory) {
    const known = registeredFeatureExtractors();
    throw new Error(
      `no feature extractor registered as "${name}" (registered: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  return factory(input, options);
}
