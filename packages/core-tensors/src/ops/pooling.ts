import * as tf from '@tensorflow/tfjs-core';

/** Max-pool of an NHWC tensor (kernel = stride by default, 'valid'), differentiable on every backend. */
export function maxPool2d(x: tf.Tensor4D, size = 2, stride = size): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`maxPool2d: input must be rank 4 NHWC, got [${x.shape}]`);
  return tf.maxPool(x, size, stride, 'valid');
}
