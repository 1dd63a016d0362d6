import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/**
 * x [..., C] + bias [C]. The bias gradient (the column sums of dy over every leading position) is a product
 * with a row of ones: tfjs's gradient of a broadcast add reduces over the leading axes with a strided Sum,
 * which is ~20x slower on wasm for the [N*H*W, C] shapes of convolution and attention layers.
 */
export const addBias = customGradient((_save, x: tf.Tensor, bias: tf.Tensor) => {
  const channels = x.shape[x.rank - 1];
  if (bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new Error(`addBias: bias must be [${channels}] for input [${x.shape}], got [${bias.shape}]`);
  }
  return {
    value: tf.add(x, bias),
    gradFunc: (dy) => {
      const rows = dy.size / channels;
      const columnSums = tf.matMul(tf.ones([1, rows]), tf.reshape(dy, [rows, channels]));
      return [dy, tf.reshape(columnSums, [channels])];
    },
  };
});
