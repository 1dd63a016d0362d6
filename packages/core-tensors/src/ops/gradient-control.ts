import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/** The value of x, with no gradient flowing back through it. */
export const stopGradient = customGradient((save, x: tf.Tensor) => {
  save([x]);
  return {
    value: tf.clone(x),
    gradFunc: (_dy, saved) => [tf.zerosLike(saved[0])],
  };
});

/**
 * Straight-through estimator: the forward value is `hard`, the gradient goes to `soft` unchanged
 * (hard must not need a gradient of its own).
 */
export const straightThrough = customGradient((save, hard: tf.Tensor, _soft: tf.Tensor) => {
  save([hard]);
  return {
    value: tf.clone(hard),
    gradFunc: (dy, saved) => [tf.zerosLike(saved[0]), tf.clone(dy)],
  };
});
