import { Conv2d, kaimingNormal, type ParameterScope, tf } from '@mmnet/core-tensors';

/**
 * clevr-iep's `ResidualBlock` (dim -> dim): out = ReLU(x + conv2(ReLU(conv1(x)))), or ReLU(conv2(ReLU(conv1(x))))
 * without the residual. Parameters `conv1`, `conv2` (3x3). Batch norm (eval mode) is folded into the
 * convolutions when a checkpoint is converted, so the block has none.
 */
export class IepResidualBlock {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;

  constructor(
    scope: ParameterScope,
    readonly dim: number,
    readonly residual = true,
  ) {
    this.conv1 = new Conv2d(scope.scope('conv1'), dim, dim, 3, { init: kaimingNormal });
    this.conv2 = new Conv2d(scope.scope('conv2'), dim, dim, 3, { init: kaimingNormal });
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.conv2.apply(tf.relu(this.conv1.apply(x)) as tf.Tensor4D);
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

  constructor(scope: ParameterScope, dim: number, residual = true) {
    this.proj = new Conv2d(scope.scope('proj'), 2 * dim, dim, 1, { init: kaimingNormal });
    this.block = new IepResidualBlock(scope.scope('block'), dim, residual);
  }

  apply(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
    if (a.shape.some((d, i) => d !== b.shape[i])) {
      throw new Error(`concat block: inputs differ in shape: [${a.shape}] and [${b.shape}]`);
    }
    return tf.tidy(() => {
      const x = tf.relu(this.proj.apply(tf.concat([a, b], 3) as tf.Tensor4D)) as tf.Tensor4D;
      return this.block.apply(x);
    });
  }
}
