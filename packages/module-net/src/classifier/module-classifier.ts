import {
  Conv2d,
  globalMaxPool,
  kaimingNormal,
  Linear,
  maxPool2d,
  type ParameterScope,
  tf,
} from '@mmnet/core-tensors';
import { z } from 'zod';

/**
 * The answer classifier of module networks: conv1x1(inChannels -> projDim) + ReLU + maxpool + flatten +
 * linear(projDim * H/pool * W/pool -> hiddenDim) + ReLU + linear(hiddenDim -> numAnswers).
 */
export const ModuleClassifierConfigSchema = z.object({
  inChannels: z.number().int().positive().default(256),
  /** Height and width of the feature map it reads [14 x 14]. */
  height: z.number().int().positive().default(14),
  width: z.number().int().positive().default(14),
  projDim: z.number().int().positive().default(512),
  /** Max-pool window and stride; 1 disables pooling. */
  poolSize: z.number().int().positive().default(2),
  hiddenDim: z.number().int().positive().default(1024),
  numAnswers: z.number().int().positive(),
});
export type ModuleClassifierConfig = z.input<typeof ModuleClassifierConfigSchema>;

/**
 * Flattening is NHWC (row, column, channel), unlike PyTorch's NCHW: a converted PyTorch `fc1` weight must be
 * permuted accordingly.
 */
export class ModuleClassifier {
  readonly config: z.output<typeof ModuleClassifierConfigSchema>;
  readonly projection: Conv2d;
  readonly hidden: Linear;
  readonly output: Linear;
  readonly flatDim: number;

  constructor(scope: ParameterScope, config: ModuleClassifierConfig) {
    this.config = ModuleClassifierConfigSchema.parse(config);
    const { inChannels, height, width, projDim, poolSize, hiddenDim, numAnswers } = this.config;
    const ph = Math.floor(height / poolSize);
    const pw = Math.floor(width / poolSize);
    if (ph < 1 || pw < 1)
      throw new Error(`classifier: poolSize ${poolSize} is larger than the ${height}x${width} map`);
    this.flatDim = projDim * ph * pw;
    this.projection = new Conv2d(scope.scope('proj'), inChannels, projDim, 1, { init: kaimingNormal });
    this.hidden = new Linear(scope.scope('fc1'), this.flatDim, hiddenDim);
    this.output = new Linear(scope.scope('fc2'), hiddenDim, numAnswers);
  }

  /** [N, H, W, inChannels] -> logits [N, numAnswers]. */
  apply(x: tf.Tensor4D): tf.Tensor2D {
    const { inChannels, height, width, poolSize } = this.config;
    if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== inChannels) {
      throw new Error(`classifier: expected [N, ${height}, ${width}, ${inChannels}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      let h = tf.relu(this.projection.apply(x)) as tf.Tensor4D;
      // A window covering the whole map is a global max pool (the same values and gradient; wasm's
      // MaxPoolGrad takes 45 ms for [64, 14, 14, 64]).
      if (this.flatDim === this.config.projDim) h = tf.reshape(globalMaxPool(h), [x.shape[0], 1, 1, -1]);
      else if (poolSize > 1) h = maxPool2d(h, poolSize);
      const flat = tf.reshape(h, [x.shape[0], this.flatDim]);
      return this.output.apply(tf.relu(this.hidden.apply(flat))) as tf.Tensor2D;
    });
  }
}

export function createModuleClassifier(
  scope: ParameterScope,
  config: ModuleClassifierConfig,
): ModuleClassifier {
  return new ModuleClassifier(scope, config);
}
