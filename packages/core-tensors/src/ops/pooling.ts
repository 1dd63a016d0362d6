import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/** Max-pool of an NHWC tensor (kernel = stride by default, 'valid'), differentiable on every backend. */
export function maxPool2d(x: tf.Tensor4D, size = 2, stride = size): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`maxPool2d: input must be rank 4 NHWC, got [${x.shape}]`);
  return tf.maxPool(x, size, stride, 'valid');
}

const globalMax = customGradient((save, x: tf.Tensor) => {
  const [n, h, w, c] = x.shape;
  const cells = tf.reshape(x, [n, h * w, c]);
  save([cells]);
  return {
    value: tf.max(cells, 1),
    gradFunc: (dy, [saved]) => {
      // The first maximal cell of each (sample, channel) gets the gradient, as a max-pool window's does.
      const first = tf.argMax(saved, 1) as tf.Tensor2D; // [n, c]
      const picked = tf.oneHot(first, h * w, 1, 0, 'float32'); // [n, c, cells]
      const routed = tf.mul(picked, tf.reshape(dy, [n, c, 1]));
      return [tf.reshape(tf.transpose(routed, [0, 2, 1]), [n, h, w, c])];
    },
  };
});

/**
 * The maximum of each channel over the whole map: NHWC [N, H, W, C] -> [N, C]. The same as `maxPool2d` with a
 * window covering the map, and on wasm several times faster in the backward pass (its MaxPoolGrad is a scalar
 * loop; tf.max's gradient compares with Equal, slow on wasm with broadcasting, and gives every tied cell the
 * gradient).
 */
export function globalMaxPool(x: tf.Tensor4D): tf.Tensor2D {
  if (x.rank !== 4) throw new Error(`globalMaxPool: input must be rank 4 NHWC, got [${x.shape}]`);
  return globalMax(x) as tf.Tensor2D;
}
