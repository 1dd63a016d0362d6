import {
  BatchNorm,
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
 * linear(projDim * H/pool * W/pool -> hiddenDim) + ReLU + linear(hiddenDim -> numAnswers). As clevr-iep's
 * `build_classifier`, `projDim` 0 skips the projection and `fcLayers` lists any number of hidden layers.
 */
export const ModuleClassifierConfigSchema = z.object({
  inChannels: z.number().int().positive().default(256),
  /** Height and width of the feature map it reads [14 x 14]. */
  height: z.number().int().positive().default(14),
  width: z.number().int().positive().default(14),
  /** Channels of the 1x1 projection; 0: no projection (clevr-iep's `classifier_proj_dim`). */
  projDim: z.number().int().nonnegative().default(512),
  /** Max-pool window and stride; 1 disables pooling. */
  poolSize: z.number().int().positive().default(2),
  hiddenDim: z.number().int().positive().default(1024),
  /**
   * Sizes of the hidden linear layers (`fc1`, `fc2`, ...; the output layer is the next `fc`), as clevr-iep's
   * `classifier_fc_layers`; absent: one layer of `hiddenDim`.
   */
  fcLayers: z.array(z.number().int().positive()).optional(),
  /** A batch norm after the projection and after each hidden layer, before their ReLUs (clevr-iep's `classifier_batchnorm`). */
  batchNorm: z.boolean().default(false),
  numAnswers: z.number().int().positive(),
});
export type ModuleClassifierConfig = z.input<typeof ModuleClassifierConfigSchema>;

/**
 * Flattening is NHWC (row, column, channel), unlike PyTorch's NCHW: a converted PyTorch `fc1` weight must be
 * permuted accordingly.
 */
export class ModuleClassifier {
  readonly config: z.output<typeof ModuleClassifierConfigSchema>;
  readonly projection: Conv2d | null;
  readonly hiddenLayers: Linear[] = [];
  /** With `batchNorm`: the projection's (`projBn`) and the hidden layers' (`bn1`, `bn2`, ...). */
  readonly projectionNorm: BatchNorm | null;
  readonly hiddenNorms: BatchNorm[] = [];
  readonly output: Linear;
  readonly flatDim: number;

  constructor(scope: ParameterScope, config: ModuleClassifierConfig) {
    this.config = ModuleClassifierConfigSchema.parse(config);
    const { inChannels, height, width, projDim, poolSize, hiddenDim, fcLayers, batchNorm, numAnswers } =
      this.config;
    const ph = Math.floor(height / poolSize);
    const pw = Math.floor(width / poolSize);
    if (ph < 1 || pw < 1)
      throw new Error(`classifier: poolSize ${poolSize} is larger than the ${height}x${width} map`);
    const channels = projDim > 0 ? projDim : inChannels;
    this.flatDim = channels * ph * pw;
    this.projection =
      projDim > 0 ? new Conv2d(scope.scope('proj'), inChannels, projDim, 1, { init: kaimingNormal }) : null;
    this.projectionNorm = projDim > 0 && batchNorm ? new BatchNorm(scope.scope('projBn'), projDim) : null;
    let previous = this.flatDim;
    for (const size of fcLayers ?? [hiddenDim]) {
      const i = this.hiddenLayers.length + 1;
      this.hiddenLayers.push(new Linear(scope.scope(`fc${i}`), previous, size));
      if (batchNorm) this.hiddenNorms.push(new BatchNorm(scope.scope(`bn${i}`), size));
      previous = size;
    }
    this.output = new Linear(scope.scope(`fc${this.hiddenLayers.length + 1}`), previous, numAnswers);
  }

  /** Channels of the map the classifier pools and flattens (projDim, or inChannels without a projection). */
  get channels(): number {
    return this.config.projDim > 0 ? this.config.projDim : this.config.inChannels;
  }

  /** [N, H, W, inChannels] -> logits [N, numAnswers]; `training`: batch norms use the batch's statistics. */
  apply(x: tf.Tensor4D, training = false): tf.Tensor2D {
    const { inChannels, height, width, poolSize } = this.config;
    if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== inChannels) {
      throw new Error(`classifier: expected [N, ${height}, ${width}, ${inChannels}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const norm = <T extends tf.Tensor>(bn: BatchNorm | null | undefined, y: T) =>
        bn ? bn.apply(y, training) : y;
      let h = this.projection
        ? (tf.relu(norm(this.projectionNorm, this.projection.apply(x))) as tf.Tensor4D)
        : x;
      // A window covering the whole map is a global max pool (the same values and gradient; wasm's
      // MaxPoolGrad takes 45 ms for [64, 14, 14, 64]).
      if (poolSize > 1 && poolSize === height && poolSize === width)
        h = tf.reshape(globalMaxPool(h), [x.shape[0], 1, 1, -1]);
      else if (poolSize > 1) h = maxPool2d(h, poolSize);
      let out: tf.Tensor = tf.reshape(h, [x.shape[0], this.flatDim]);
      this.hiddenLayers.forEach((layer, i) => {
        out = tf.relu(norm(this.hiddenNorms[i], layer.apply(out)));
      });
      return this.output.apply(out) as tf.Tensor2D;
    });
  }
}

export function createModuleClassifier(
  scope: ParameterScope,
  config: ModuleClassifierConfig,
): ModuleClassifier {
  return new ModuleClassifier(scope, config);
}
