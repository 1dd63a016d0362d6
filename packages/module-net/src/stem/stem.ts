import {
  BatchNorm,
  Conv2d,
  coordinateMaps,
  kaimingNormal,
  type ParameterScope,
  tf,
} from '@mmnet/core-tensors';
import { z } from 'zod';

/** The stem over image features: numLayers x (conv kxk + ReLU), inChannels -> dim -> ... -> dim. */
export const StemConfigSchema = z.object({
  /** Channels of the input features [1024 for ResNet-101 conv4]. */
  inChannels: z.number().int().positive().default(1024),
  /** Channels of the stem output and of every module [256]. */
  dim: z.number().int().positive().default(256),
  numLayers: z.number().int().positive().default(2),
  kernelSize: z.number().int().positive().default(3),
  /**
   * The last of the `dim` channels is 1 at every cell instead of a learned one, so that a map masked by an
   * attention (attention modules) carries that attention in its last channel.
   */
  attentionChannel: z.boolean().default(false),
  /**
   * Two channels of the `dim` (before the attention channel, if any) hold each cell's column and row in [-1, 1]
   * instead of learned ones (coordinate maps, as FiLM's and CoordConv's), so that modules with 1x1 kernels know
   * where a cell is and, through a masked map's selected mean, where the selected objects are.
   */
  coordinates: z.boolean().default(false),
  /** A batch norm after each convolution, before its ReLU (clevr-iep's `stem_batchnorm`). */
  batchNorm: z.boolean().default(false),
});
export type StemConfig = z.input<typeof StemConfigSchema>;

/** conv3x3(inChannels -> dim) + ReLU + conv3x3(dim -> dim) + ReLU (by default): NHWC in, NHWC out. */
export class Stem {
  readonly config: z.output<typeof StemConfigSchema>;
  readonly layers: Conv2d[] = [];
  /** With `batchNorm`, one per layer (`bn1`, `bn2`, ...). */
  readonly norms: BatchNorm[] = [];

  constructor(scope: ParameterScope, config: StemConfig = {}) {
    this.config = StemConfigSchema.parse(config);
    const { inChannels, dim, numLayers, kernelSize, attentionChannel, coordinates } = this.config;
    const learned = dim - fixedChannelCount(this.config);
    if (learned < 1) {
      const fixed = [
        coordinates && 'the two coordinate channels',
        attentionChannel && 'the attention channel',
      ];
      throw new Error(
        `stem: dim ${dim} leaves no learned channel beside ${fixed.filter(Boolean).join(' and ')}`,
      );
    }
    for (let i = 0; i < numLayers; i++) {
      this.layers.push(
        new Conv2d(scope.scope(`conv${i + 1}`), i === 0 ? inChannels : learned, learned, kernelSize, {
          init: kaimingNormal,
        }),
      );
      if (this.config.batchNorm) this.norms.push(new BatchNorm(scope.scope(`bn${i + 1}`), learned));
    }
  }

  /** `training`: batch norms use (and update) the batch's statistics rather than their running averages. */
  apply(features: tf.Tensor4D, training = false): tf.Tensor4D {
    if (features.rank !== 4 || features.shape[3] !== this.config.inChannels) {
      throw new Error(
        `stem: features must be NHWC with ${this.config.inChannels} channels, got shape [${features.shape}]`,
      );
    }
    return tf.tidy(() => {
      let x = features;
      this.layers.forEach((layer, i) => {
        const y = layer.apply(x);
        x = tf.relu(this.norms[i] ? this.norms[i].apply(y, training) : y);
      });
      const [n, h, w] = x.shape;
      const fixed: tf.Tensor4D[] = [];
      if (this.config.coordinates) fixed.push(tf.tile(coordinateMaps(h, w), [n, 1, 1, 1]));
      if (this.config.attentionChannel) fixed.push(tf.ones([n, h, w, 1]));
      return fixed.length === 0 ? x : (tf.concat([x, ...fixed], 3) as tf.Tensor4D);
    });
  }
}

/** How many of a stem's `dim` output channels are fixed rather than learned (coordinates, attention). */
function fixedChannelCount(c: { attentionChannel: boolean; coordinates: boolean }): number {
  return (c.coordinates ? 2 : 0) + (c.attentionChannel ? 1 : 0);
}

/** Builds a stem in a parameter scope from a (partial) config. */
export function createStem(scope: ParameterScope, config: StemConfig = {}): Stem {
  return new Stem(scope, config);
}
