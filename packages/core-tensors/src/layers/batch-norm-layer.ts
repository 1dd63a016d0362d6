import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from '../ops/custom-gradient.js';
import { matMul } from '../ops/matmul.js';
import { constant, zeros } from '../params/initializers.js';
import type { ParameterScope } from '../params/parameter-store.js';

/**
 * What a training batch norm takes its statistics over: the whole batch (every axis but the channels), or each
 * sample alone (its spatial axes), as a PyTorch batch norm does when every call holds one sample.
 */
export type BatchNormStatistics = 'batch' | 'sample';

export interface BatchNormOptions {
  /** Added to the variance before the square root [1e-5, PyTorch's]. */
  epsilon?: number;
  /** Weight of each new statistic in the running averages [0.1, PyTorch's]. */
  momentum?: number;
}

/**
 * Batch normalisation over the last (channel) axis, as PyTorch's BatchNorm1d/2d: parameters `gamma` and `beta`
 * [C], buffers `runningMean` and `runningVar` [C]. In training it normalises by the input's own statistics and
 * moves the running averages towards them (the variance unbiased, as PyTorch keeps it); otherwise it normalises by
 * the running averages.
 */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly epsilon: number;
  readonly momentum: number;

  constructor(
    scope: ParameterScope,
    readonly channels: number,
    options: BatchNormOptions = {},
  ) {
    this.gamma = scope.create('gamma', [channels], constant(1));
    this.beta = scope.create('beta', [channels], zeros);
    this.runningMean = scope.create('runningMean', [channels], zeros, { trainable: false });
    this.runningVar = scope.create('runningVar', [channels], constant(1), { trainable: false });
    this.epsilon = options.epsilon ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
  }

  /**
   * x [..., C] -> normalised x. With `training`, also updates the running averages: once per call with
   * `batch` statistics, once per sample in row order with `sample` ones (which need x of rank 3 or more).
   */
  apply<T extends tf.Tensor>(x: T, training: boolean, statistics: BatchNormStatistics = 'batch'): T {
    const c = this.channels;
    if (x.rank < 2 || x.shape[x.rank - 1] !== c)
      throw new Error(`batch norm: expected [..., ${c}] with a batch axis, got [${x.shape}]`);
    if (statistics === 'sample' && x.rank < 3)
      throw new Error(`batch norm: per-sample statistics need spatial axes, got [${x.shape}]`);
    return tf.tidy(() => {
      if (!training) {
        const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.epsilon)));
        return tf.add(tf.mul(x, scale), tf.sub(this.beta, tf.mul(this.runningMean, scale))) as T;
      }
      return normaliseForTraining(
        x,
        this.gamma,
        this.beta,
        statistics,
        this.epsilon,
        (mean, variance, count) => this.updateRunning(mean, variance, count),
      ) as T;
    });
  }

  /**
   * Moves the running averages towards the statistics [groups, C] of `count` values each, one group at a time:
   * r <- (1 - m)^R r + sum_i m (1 - m)^(R - 1 - i) s_i, the same as R updates in row order.
   */
  private updateRunning(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const m = this.momentum;
    const c = this.channels;
    tf.tidy(() => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      const rows = mean.size / c;
      const weights = tf.tensor2d(
        Array.from({ length: rows }, (_, i) => m * (1 - m) ** (rows - 1 - i)),
        [rows, 1],
      );
      const keep = (1 - m) ** rows;
      const toward = (running: tf.Variable, stat: tf.Tensor) =>
        tf.add(tf.mul(running, keep), tf.sum(tf.mul(tf.reshape(stat, [rows, c]), weights), 0));
      this.runningMean.assign(toward(this.runningMean, mean));
      this.runningVar.assign(toward(this.runningVar, unbiased));
    });
  }
}

/**
 * (x - mean) / sqrt(var + eps) * gamma + beta, with the statistics of the batch or of each sample (handed to
 * `onStatistics` as [groups, C] with the count of values behind each). Written for wasm: channel sums are products
 * with a ones vector (tfjs's reductions over the spatial axes of NHWC transpose first, 2-10x slower); the variance is
 * E[x^2] - E[x]^2; and the gradient, written out, keeps only x and per-channel numbers. On wasm (one thread, 128
 * rows of 14x14x128) it takes 0.3-0.4x the time of the same maths in tfjs ops, whose backward also kept five
 * tensors the size of x and ran clevr-iep's network out of the wasm heap at batch 64.
 */
function normaliseForTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  statistics: BatchNormStatistics,
  epsilon: number,
  onStatistics: (mean: tf.Tensor, variance: tf.Tensor, count: number) => void,
): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const rows = x.shape[0];
  const positions = x.size / (rows * c);
  const perSample = statistics === 'sample';
  const count = perSample ? positions : rows * positions;
  // Per-channel numbers [groups, C] broadcast over x: per row [rows, 1, ..., C], or [C] for the whole batch.
  const spread = (t: tf.Tensor) =>
    perSample ? tf.reshape(t, [rows, ...new Array(x.rank - 2).fill(1), c]) : tf.reshape(t, [c]);
  const groupMeans = (t: tf.Tensor) => {
    const ones = tf.ones([rows, 1, positions]);
    const rowSums = tf.reshape(matMul(ones, tf.reshape(t, [rows, positions, c])), [rows, c]);
    return tf.div(perSample ? rowSums : tf.sum(rowSums, 0, true), count);
  };
  const run = customGradient((save, input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const mean = groupMeans(input);
    const variance = tf.relu(tf.sub(groupMeans(tf.square(input)), tf.square(mean)));
    onStatistics(mean, variance, count);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const scale = tf.mul(g, rstd);
    save([input, mean, rstd, scale]);
    return {
      value: tf.add(tf.mul(input, spread(scale)), spread(tf.sub(b, tf.mul(mean, scale)))),
      gradFunc: (dy, [xs, m, r, a]) => {
        const meanDy = groupMeans(dy);
        // k = mean(dy * normalised x); dx = a dy - a mean(dy) - a r k (x - m) = a dy + q x + (-a mean(dy) - q m).
        const k = tf.mul(r, tf.sub(groupMeans(tf.mul(dy, xs)), tf.mul(m, meanDy)));
        const q = tf.neg(tf.mul(tf.mul(a, r), k));
        const shift = tf.sub(tf.neg(tf.mul(a, meanDy)), tf.mul(q, m));
        const dx = tf.add(tf.add(tf.mul(dy, spread(a)), tf.mul(xs, spread(q))), spread(shift));
        return [
          dx,
          tf.reshape(tf.sum(tf.mul(k, count), 0), [c]),
          tf.reshape(tf.sum(tf.mul(meanDy, count), 0), [c]),
        ];
      },
    };
  });
  return run(x, gamma, beta);
}
