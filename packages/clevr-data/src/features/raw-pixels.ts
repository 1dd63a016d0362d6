import { coordinateMaps, tf } from '@mmnet/core-tensors';
import { z } from 'zod';
import type { FeatureExtractor } from './feature-extractor.js';

export const rawPixelsConfigSchema = z.object({
  /** Output grid (default 14: the 14x14 of the reference's ResNet features). */
  grid: z.number().int().positive().default(14),
  /** Append 2 channels holding each cell's x and y in [-1, 1]. */
  positionChannels: z.boolean().default(false),
});
export type RawPixelsConfig = z.input<typeof rawPixelsConfigSchema>;

/**
 * Raw downsampled pixels: each image is average-pooled to a grid x grid map of its RGB values (in [0, 1]),
 * optionally with two position channels. The input size must be a multiple of the grid.
 */
export function rawPixelsExtractor(
  input: { height: number; width: number },
  config: RawPixelsConfig = {},
): FeatureExtractor {
  const { grid, positionChannels } = rawPixelsConfigSchema.parse(config);
  if (input.height % grid !== 0 || input.width % grid !== 0) {
    throw new Error(
      `raw extractor: image size ${input.height}x${input.width} is not a multiple of the grid ${grid}`,
    );
  }
  const fh = input.height / grid;
  const fw = input.width / grid;
  const channels = positionChannels ? 5 : 3;
  return {
    name: `raw-${grid}${positionChannels ? '-pos' : ''}`,
    outputShape: [grid, grid, channels],
    extract(batch) {
      return tf.tidy(() => {
        const pooled = tf.avgPool(batch, [fh, fw], [fh, fw], 'valid');
        if (!positionChannels) return pooled;
        const pos = tf.tile(coordinateMaps(grid, grid), [batch.shape[0], 1, 1, 1]);
        return tf.concat([pooled, pos], 3);
      });
    },
  };
}
