import { Conv2d, type Initializer, kaimingNormal, type ParameterScope, type tf } from '@mmnet/core-tensors';
import type { ConvWeights } from './conv-weights.js';
import {
  type BinaryBlockWeights,
  residualBinary,
  residualUnary,
  type UnaryBlockWeights,
} from './residual-blocks.js';

function weightsOf(conv: Conv2d): ConvWeights {
  return { kernel: conv.kernel, bias: conv.bias };
}

/** A residual unary block with its own parameters `conv1`, `conv2` (each kernel + bias) under a scope. */
export class ResidualUnaryModule {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;

  constructor(
    scope: ParameterScope,
    readonly dim: number,
    init: Initializer = kaimingNormal,
  ) {
    this.conv1 = new Conv2d(scope.scope('conv1'), dim, dim, 3, { init });
    this.conv2 = new Conv2d(scope.scope('conv2'), dim, dim, 3, { init });
  }

  weights(): UnaryBlockWeights {
    return { conv1: weightsOf(this.conv1), conv2: weightsOf(this.conv2) };
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return residualUnary(x, this.weights());
  }
}

/** A residual binary block with its own parameters `conv1` (2*dim -> dim), `conv2`, `conv3` under a scope. */
export class ResidualBinaryModule {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;

  constructor(
    scope: ParameterScope,
    readonly dim: number,
    init: Initializer = kaimingNormal,
  ) {
    this.conv1 = new Conv2d(scope.scope('conv1'), 2 * dim, dim, 3, { init });
    this.conv2 = new Conv2d(scope.scope('conv2'), dim, dim, 3, { init });
    this.conv3 = new Conv2d(scope.scope('conv3'), dim, dim, 3, { init });
  }

  weights(): BinaryBlockWeights {
    return { conv1: weightsOf(this.conv1), conv2: weightsOf(this.conv2), conv3: weightsOf(this.conv3) };
  }

  apply(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
    return residualBinary(a, b, this.weights());
  }
}

/** Number of kernel weights (no biases) of each block, e.g. the width of a memory-bank row. */
export function residualBlockKernelSizes(dim: number): { unary: number[]; binary: number[] } {
  const k = 9 * dim * dim;
  return { unary: [k, k], binary: [2 * k, k, k] };
}
