import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from '../ops/custom-gradient.js';
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
      const first = statistics === 'batch' ? 0 : 1;
      const axes = Array.from({ length: x.rank - 1 - first }, (_, i) => i + first);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return normaliseForTraining(x, this.gamma, this.beta, axes, this.epsilon, (mean, variance) =>
        this.updateRunning(mean, variance, count),
      ) as T;
    });
  }

  /**
   * Moves the running averages towards batch statistics [C], or towards each row's [R, ..., C] in turn:
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
 * (x - mean) / sqrt(var + eps) * gamma + beta with the statistics over `axes` (handed to `onStatistics`, kept
 * dims), with its gradient written out so that the backward pass keeps only the normalised x: tfjs's own keeps
 * some five tensors the size of x, which ran clevr-iep's network out of the wasm heap at batch 64.
 */
function normaliseForTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  axes: number[],
  epsilon: number,
  onStatistics: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const nonChannel = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const run = customGradient((save, input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(input, axes, true);
    onStatistics(mean, variance);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const normed = tf.mul(tf.sub(input, mean), rstd);
    save([normed, rstd, g]);
    return {
      value: tf.add(tf.mul(normed, g), b),
      gradFunc: (dy, [n, r, gm]) => {
        const dyNormed = tf.mul(dy, n);
        // dx = gamma rstd (dy - mean(dy) - normed mean(dy normed)), the means over the statistics' axes.
        const centred = tf.sub(tf.sub(dy, tf.mean(dy, axes, true)), tf.mul(n, tf.mean(dyNormed, axes, true)));
        return [tf.mul(centred, tf.mul(gm, r)), tf.sum(dyNormed, nonChannel), tf.sum(dy, nonChannel)];
      },
    };
  });
  return run(x, gamma, beta);
}
