import type * as tf from '@tensorflow/tfjs-core';
import { linear } from '../ops/dense.js';
import type { Initializer } from '../params/initializers.js';
import { torchDefault } from '../params/initializers.js';
import type { ParameterScope } from '../params/parameter-store.js';

export interface LinearOptions {
  bias?: boolean;
  /** The weight's initializer (default: PyTorch's uniform of fan-in). */
  init?: Initializer;
  /** The bias's initializer (default: PyTorch's uniform of fan-in). */
  biasInit?: Initializer;
}

/** A fully connected layer with parameters `weight` [in, out] and `bias` [out]. */
export class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    scope: ParameterScope,
    readonly inDim: number,
    readonly outDim: number,
    options: LinearOptions = {},
  ) {
    this.weight = scope.create('weight', [inDim, outDim], options.init ?? torchDefault(inDim));
    this.bias =
      options.bias === false ? null : scope.create('bias', [outDim], options.biasInit ?? torchDefault(inDim));
  }

  apply(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight as tf.Tensor as tf.Tensor2D, this.bias as tf.Tensor as tf.Tensor1D | null);
  }
}
