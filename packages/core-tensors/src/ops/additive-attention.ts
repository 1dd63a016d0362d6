import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/**
 * Attention scores of an additive (Bahdanau / SAN) attention layer: tanh(image + query) . weight + bias per
 * position, for image [N, P, K], query [N, K] (added to every position of its sample), weight [K, 1], bias [1]:
 * scores [N, P].
 *
 * It is computed through s = sigmoid(2 (image + query)), since tanh(z) = 2 s - 1 and tanh'(z) = 4 s (1 - s):
 * one vectorised sigmoid instead of tanh's libm call per element on wasm, and a hand-written gradient that
 * makes about half the passes over the [N, P, K] activations of tfjs's per-op gradients.
 */
export const additiveAttentionScores = customGradient(
  (save, image: tf.Tensor, query: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor) => {
    const [n, positions, k] = image.shape;
    if (image.rank !== 3 || query.rank !== 2 || query.shape[0] !== n || query.shape[1] !== k) {
      throw new Error(
        `additiveAttentionScores: expected image [N, P, K] and query [N, K], got [${image.shape}] and [${query.shape}]`,
      );
    }
    if (weight.rank !== 2 || weight.shape[0] !== k || weight.shape[1] !== 1 || bias.size !== 1) {
      throw new Error(
        `additiveAttentionScores: expected weight [${k}, 1] and bias [1], got [${weight.shape}] and [${bias.shape}]`,
      );
    }
    const doubled = tf.mul(tf.add(image, tf.reshape(query, [n, 1, k])), 2);
    const s = tf.reshape(tf.sigmoid(doubled), [n * positions, k]);
    // (2 s - 1) . w + b = 2 (s . w) - sum(w) + b
    const sw = tf.matMul(s, weight);
    const scores = tf.reshape(tf.add(tf.mul(sw, 2), tf.sub(bias, tf.sum(weight))), [n, positions]);
    save([s, weight]);
    return {
      value: scores,
      gradFunc: (dy, saved) => {
        const [ss, w] = saved;
        const g = tf.reshape(dy, [n * positions, 1]);
        // dz = (g w^T) * 4 s (1 - s)
        const slope = tf.sub(ss, tf.square(ss));
        const dz = tf.mul(tf.matMul(g, tf.reshape(tf.mul(w, 4), [1, k])), slope);
        const dImage = tf.reshape(dz, [n, positions, k]);
        const dQuery = tf.sum(dImage, 1);
        // dw = (2 s - 1)^T g = 2 s^T g - sum(g); s^T g computed as (g^T s)^T, whose transposes are free.
        const gRow = tf.reshape(g, [1, n * positions]);
        const sTg = tf.reshape(tf.matMul(gRow, ss), [k, 1]);
        const gSum = tf.sum(g);
        const dWeight = tf.sub(tf.mul(sTg, 2), gSum);
        const dBias = tf.reshape(gSum, bias.shape);
        return [dImage, dQuery, dWeight, dBias];
      },
    };
  },
) as (image: tf.Tensor3D, query: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;
