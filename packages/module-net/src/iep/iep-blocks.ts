import { BatchNorm, Conv2d, kaimingNormal, type ParameterScope, tf } from '@mmnet/core-tensors';

/** How clevr-iep's blocks are built: `module_residual` and `module_batchnorm`. */
export interface IepModuleOptions {
  /** Add the input back before the last ReLU [true]. */
  residual?: boolean;
  /** A batch norm after each 3x3 convolution [false]. */
  batchNorm?: boolean;
}

/**
 * clevr-iep's `ResidualBlock` (dim -> dim): out = ReLU(x + conv2(ReLU(conv1(x)))), or ReLU(conv2(ReLU(conv1(x))))
 * without the residual; with batch norm, `bn1` and `bn2` follow the convolutions. Parameters `conv1`, `conv2`
 * (3x3). clevr-iep runs its modules one question at a time, so in training each batch norm takes each sample's
 * own statistics.
 */
export class IepResidualBlock {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn1: BatchNorm | null;
  readonly bn2: BatchNorm | null;
  readonly residual: boolean;

  constructor(
    scope: ParameterScope,
    readonly dim: number,
    options: IepModuleOptions = {},
  ) {
    this.residual = options.residual ?? true;
    this.conv1 = new Conv2d(scope.scope('conv1'), dim, dim, 3, { init: kaimingNormal });
    this.conv2 = new Conv2d(scope.scope('conv2'), dim, dim, 3, { init: kaimingNormal });
    this.bn1 = options.batchNorm ? new BatchNorm(scope.scope('bn1'), dim) : null;
    this.bn2 = options.batchNorm ? new BatchNorm(scope.scope('bn2'), dim) : null;
  }

  apply(x: tf.Tensor4D, training = false): tf.Tensor4D {
    const norm = (bn: BatchNorm | null, y: tf.Tensor4D) => (bn ? bn.apply(y, training, 'sample') : y);
    return tf.tidy(() => {
      const hidden = tf.relu(norm(this.bn1, this.conv1.apply(x))) as tf.Tensor4D;
      const out = norm(this.bn2, this.conv2.apply(hidden));
      return tf.relu(this.residual ? tf.add(x, out) : out) as tf.Tensor4D;
    });
  }
}

/**
 * clevr-iep's `ConcatBlock` for binary modules: the inputs concatenated on channels, a 1x1 projection
 * `proj` (2*dim -> dim) + ReLU, then a residual block `block`.
 */
export class IepConcatBlock {
  readonly proj: Conv2d;
  readonly block: IepResidualBlock;

  constructor(scope: ParameterScope, dim: number, options: IepModuleOptions = {}) {
    this.proj = new Conv2d(scope.scope('proj'), 2 * dim, dim, 1, { init: kaimingNormal });
    this.block = new IepResidualBlock(scope.scope('block'), dim, options);
  }

  apply(a: tf.Tensor4D, b: tf.Tensor4D, training = false): tf.Tensor4D {
    if (a.shape.some((d, i) => d !== b.shape[i])) {
      throw new Error(`concat block: inputs differ in shape: [${a.shape}] and [${b.shape}]`);
    }
    return tf.tidy(() => {
      const x = tf.relu(this.proj.apply(tf.concat([a, b], 3) as tf.Tensor4D)) as tf.Tensor4D;
      return this.block.apply(x, training);
    });
  }
}
