import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/seeded-rng.js';
import { straightThrough } from './gradient-control.js';

/** Gumbel(0, 1) noise of a shape, from the seeded generator. */
export function gumbelNoise(shape: number[], rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let u = rng.next();
    while (u <= 1e-20) u = rng.next();
    values[i] = -Math.log(-Math.log(u));
  }
  return tf.tensor(values, shape);
}

export interface GumbelSoftmaxOptions {
  /** Temperature (> 0); lower is closer to one-hot. */
  temperature: number;
  /** Straight-through: the forward value is one-hot, the gradient is the soft sample's. */
  hard: boolean;
  rng: Rng;
}

/** Gumbel-softmax over the last axis (Jang et al. 2017), straight-through when `hard`. */
export function gumbelSoftmax(logits: tf.Tensor, options: GumbelSoftmaxOptions): tf.Tensor {
  if (!(options.temperature > 0))
    throw new Error(`gumbelSoftmax: temperature must be > 0, got ${options.temperature}`);
  return tf.tidy(() => {
    const noise = gumbelNoise(logits.shape, options.rng);
    const soft = tf.softmax(tf.div(tf.add(logits, noise), options.temperature));
    if (!options.hard) return soft;
    const depth = logits.shape[logits.rank - 1];
    const hard = tf.cast(tf.oneHot(tf.argMax(soft, -1), depth), 'float32');
    return straightThrough(hard, soft);
  });
}

export interface CategoricalSample {
  /** Sampled indices, one per row: int32 [...lead]. */
  samples: tf.Tensor;
  /** log p(sample) under softmax(logits), differentiable with respect to the logits. */
  logProbs: tf.Tensor;
  /** Entropy of each row's distribution, differentiable. */
  entropy: tf.Tensor;
}

/**
 * Draws one index per row from softmax(logits / temperature) over the last axis with the seeded generator,
 * and returns the log-probabilities (for REINFORCE) and entropies.
 */
export function sampleCategorical(logits: tf.Tensor, rng: Rng, temperature = 1): CategoricalSample {
  if (!(temperature > 0)) throw new Error(`sampleCategorical: temperature must be > 0, got ${temperature}`);
  return tf.tidy(() => {
    const depth = logits.shape[logits.rank - 1];
    const logp = tf.logSoftmax(temperature === 1 ? logits : tf.div(logits, temperature));
    const probs = tf.exp(logp).dataSync();
    const rows = probs.length / depth;
    const picked = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const u = rng.next();
      let acc = 0;
      let choice = depth - 1;
      for (let j = 0; j < depth; j++) {
        acc += probs[r * depth + j];
        if (u < acc) {
          choice = j;
          break;
        }
      }
      picked[r] = choice;
    }
    const lead = logits.shape.slice(0, -1);
    const samples = tf.tensor(picked, lead, 'int32');
    const mask = tf.cast(tf.oneHot(samples, depth), 'float32');
    const logProbs = tf.sum(tf.mul(mask, logp), -1);
    const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1));
    return { samples, logProbs, entropy };
  });
}

/**
 * Inverted dropout: each entry is zeroed with probability `rate` and the others scaled by 1 / (1 - rate), so the
 * expected value is unchanged and evaluation needs no rescaling. The mask comes from the seeded generator.
 */
export function dropout(x: tf.Tensor, rate: number, rng: Rng): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const mask = new Float32Array(x.size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return tf.mul(x, tf.tensor(mask, x.shape));
}
