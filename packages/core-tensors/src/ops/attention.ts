import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './gradient-control.js';

/**
 * Softmax over the last axis where mask is 0 at excluded positions (mask: same shape or broadcastable,
 * 1 = keep). Fully masked rows give zeros rather than NaN.
 */
export function maskedSoftmax(scores: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  if (!mask) return tf.softmax(scores);
  return tf.tidy(() => {
    const keep = tf.cast(mask, 'float32');
    const shifted = tf.sub(scores, stopGradient(tf.max(scores, -1, true)));
    const e = tf.mul(tf.exp(shifted), keep);
    return tf.div(e, tf.maximum(tf.sum(e, -1, true), 1e-12));
  });
}

export interface SpatialAttention {
  /** Attention weights [N, H*W], summing to 1 per sample. */
  weights: tf.Tensor2D;
  /** Weighted sum of the features over positions [N, C]. */
  attended: tf.Tensor2D;
}

/** Softmax attention over the positions of an NHWC feature map given scores [N, H, W] or [N, H, W, 1]. */
export function spatialSoftmaxAttention(features: tf.Tensor4D, scores: tf.Tensor): SpatialAttention {
  return tf.tidy(() => {
    const [n, h, w] = features.shape;
    const weights = tf.softmax(tf.reshape(scores, [n, h * w])) as tf.Tensor2D;
    const attended = tf.sum(tf.mul(tf.reshape(weights, [n, h, w, 1]), features), [1, 2]) as tf.Tensor2D;
    return { weights, attended };
  });
}
