import type { tf } from '@mmnet/core-tensors';
import type { ResampleMethod } from './float-image.js';

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

/** A factory for an extractor, given the input image size. */
export type FeatureExtractorFactory = (input: { height: number; width: number }) => Promise<FeatureExtractor>;

const builtins = new Map<string, FeatureExtractorFactory>();

/**
 * The slot for the project's own trained CNN (and any other named extractor): a package that provides one
 * registers it here, and `mmnet-data extract-features --extractor builtin` uses the one registered as `builtin`.
 */
export function registerFeatureExtractor(name: string, factory: FeatureExtractorFactory): void {
  builtins.set(name, factory);
}

export function registeredFeatureExtractors(): string[] {
  return [...builtins.keys()].sort();
}

/** Creates the extractor registered as `name`, or throws naming what is registered. */
export async function createRegisteredExtractor(
  name: string,
  input: { height: number; width: number },
): Promise<FeatureExtractor> {
  const factory = builtins.get(name);
  if (!factory) {
    const known = registeredFeatureExtractors();
    throw new Error(
      `no feature extractor registered as "${name}" (registered: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  return factory(input);
}
