import type * as tf from '@tensorflow/tfjs-core';
import { conv2d } from '../ops/conv2d.js';
import type { Padding } from '../ops/im2col.js';
import type { Initializer } from '../params/initializers.js';
import { torchDefault } from '../params/initializers.js';
import type { ParameterScope } from '../params/parameter-store.js';

export interface Conv2dLayerOptions {
  stride?: number;
  padding?: Padding;
  bias?: boolean;
  init?: Initializer;
}

/** A 2-D convolution layer: `kernel` [k, k, in, out] (HWIO) and `bias` [out], NHWC input. */
export class Conv2d {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  private readonly stride: number;
  private readonly padding: Padding;

  constructor(
    scope: ParameterScope,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dLayerOptions = {},
  ) {
    const fanIn = inChannels * kernelSize * kernelSize;
    this.kernel = scope.create(
      'kernel',
      [kernelSize, kernelSize, inChannels, outChannels],
      options.init ?? torchDefault(fanIn),
    );
    this.bias = options.bias === false ? null : scope.create('bias', [outChannels], torchDefault(fanIn));
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 'same';
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return conv2d(x, this.kernel as tf.Tensor as tf.Tensor4D, this.bias as tf.Tensor as tf.Tensor1D | null, {
      stride: this.stride,
      padding: this.padding,
    });
  }
}
