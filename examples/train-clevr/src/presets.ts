/**
 * Synthetic datasets the example can build. Images are rendered small (3:2 like CLEVR) because the features
 * are 14x14 average-pooled pixels (+ position channels): a larger render gives the same features, slower.
 */
export interface Preset {
  trainImages: number;
  valImages: number;
  width: number;
  height: number;
  templatesPerImage: number;
  seed: number;
  /** Feature extraction: images resized to size x size, then `raw-<grid>-pos`. */
  featureImageSize: number;
  featureGrid: number;
}

export const PRESETS = {
  /** ~2,000 train / ~400 val images, 10 questions each. */
  'clevr-mini': {
    trainImages: 2000,
    valImages: 400,
    width: 168,
    height: 112,
    templatesPerImage: 10,
    seed: 7,
    featureImageSize: 112,
    featureGrid: 14,
  },
  /** A few images, for tests of the pipeline. */
  'clevr-micro': {
    trainImages: 6,
    valImages: 3,
    width: 84,
    height: 56,
    templatesPerImage: 4,
    seed: 7,
    featureImageSize: 56,
    featureGrid: 14,
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
