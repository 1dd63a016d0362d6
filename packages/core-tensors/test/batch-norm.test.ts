import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm, createRng, ParameterStore, tf } from '../src/index.js';
import {
  expectClose,
  finiteDifference,
  onBothBackends,
  randomTensor,
  useBackend,
  weightedSum,
} from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function make(channels = 3) {
  const store = new ParameterStore(createRng(0));
  const bn = new BatchNorm(store.scope('bn'), channels);
  bn.gamma.assign(tf.tensor1d([1.5, -0.5, 2].slice(0, channels)));
  bn.beta.assign(tf.tensor1d([0.1, 0.2, -0.3].slice(0, channels)));
  return { store, bn };
}

/** Mean and biased variance of each channel over the given rows (values [rows, C] flattened). */
function channelStats(values: Float32Array, channels: number, from: number, to: number) {
  const mean = new Array(channels).fill(0);
  const variance = new Array(channels).fill(0);
  const n = (to - from) / channels;
  for (let i = from; i < to; i++) mean[i % channels] += values[i] / n;
  for (let i = from; i < to; i++) variance[i % channels] += (values[i] - mean[i % channels]) ** 2 / n;
  return { mean, variance, n };
}

describe('BatchNorm', () => {
  it('normalises by the batch statistics in training and moves the running averages 10 % towards them', () => {
    const { bn } = make();
    const x = randomTensor([2, 2, 2, 3], 1, 2);
    const y = bn.apply(x, true).dataSync();
    const { mean, variance, n } = channelStats(x.dataSync() as Float32Array, 3, 0, x.size);
    const gamma = [1.5, -0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    const expected = Array.from(x.dataSync(), (v, i) => {
      const c = i % 3;
      return ((v - mean[c]) / Math.sqrt(variance[c] + 1e-5)) * gamma[c] + beta[c];
    });
    expectClose(y, expected, 1e-5);
    expectClose(
      bn.runningMean,
      mean.map((m) => 0.1 * m),
      1e-5,
    );
    expectClose(
      bn.runningVar,
      variance.map((v) => 0.9 + 0.1 * v * (n / (n - 1))),
      1e-5,
    );
  });

  it('outside training normalises by the running averages and leaves them alone', () => {
    const { bn } = make();
    bn.runningMean.assign(tf.tensor1d([1, -1, 0.5]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25, 1]));
    const x = randomTensor([5, 3], 2);
    const y = bn.apply(x, false).dataSync();
    const expected = Array.from(x.dataSync(), (v, i) => {
      const c = i % 3;
      return (
        ((v - [1, -1, 0.5][c]) / Math.sqrt([4, 0.25, 1][c] + 1e-5)) * [1.5, -0.5, 2][c] + [0.1, 0.2, -0.3][c]
      );
    });
    expectClose(y, expected, 1e-5);
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -1, 0.5]);
  });

  it('per-sample statistics normalise each row alone and update the averages once per row, in row order', () => {
    const { bn } = make(2);
    const x = randomTensor([3, 2, 2, 2], 3);
    const values = x.dataSync() as Float32Array;
    const y = bn.apply(x, true, 'sample').dataSync();
    let runningMean = [0, 0];
    let runningVar = [1, 1];
    for (let row = 0; row < 3; row++) {
      const { mean, variance, n } = channelStats(values, 2, row * 8, (row + 1) * 8);
      for (let i = row * 8; i < (row + 1) * 8; i++) {
        const c = i % 2;
        const normed = (values[i] - mean[c]) / Math.sqrt(variance[c] + 1e-5);
        expect(y[i]).toBeCloseTo(normed * [1.5, -0.5][c] + [0.1, 0.2][c], 4);
      }
      runningMean = runningMean.map((r, c) => 0.9 * r + 0.1 * mean[c]);
      runningVar = runningVar.map((r, c) => 0.9 * r + 0.1 * variance[c] * (n / (n - 1)));
    }
    expectClose(bn.runningMean, runningMean, 1e-5);
    expectClose(bn.runningVar, runningVar, 1e-5);
  });

  it.each(['batch', 'sample'] as const)(
    'gradients in training (%s statistics) match finite differences',
    (statistics) => {
      const { bn } = make();
      const x = randomTensor([2, 2, 3, 3], 4);
      const loss = (input: tf.Tensor) => weightedSum(bn.apply(input, true, statistics));
      const g = tf.grad(loss)(x).dataSync();
      const indices = [0, 5, 13, 22, 35];
      const fd = finiteDifference(loss, x, indices);
      indices.forEach((i, j) => expect(g[i]).toBeCloseTo(fd[j], 2));
    },
  );

  it.each(['batch', 'sample'] as const)(
    "its written-out gradient (%s statistics) equals tfjs's gradient of the formula",
    (statistics) => {
      const { bn } = make();
      const x = randomTensor([3, 2, 2, 3], 8);
      const axes = statistics === 'batch' ? [0, 1, 2] : [1, 2];
      const formula = (input: tf.Tensor) => {
        const { mean, variance } = tf.moments(input, axes, true);
        const normed = tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5)));
        return weightedSum(tf.add(tf.mul(normed, bn.gamma), bn.beta));
      };
      const written = (input: tf.Tensor) => weightedSum(bn.apply(input, true, statistics));
      const params = [bn.gamma, bn.beta];
      const expected = [
        tf.grad(formula)(x),
        ...Object.values(tf.variableGrads(() => formula(x), params).grads),
      ];
      const actual = [
        tf.grad(written)(x),
        ...Object.values(tf.variableGrads(() => written(x), params).grads),
      ];
      actual.forEach((g, i) => expectClose(g, expected[i], 1e-4));
    },
  );

  it.each(['batch', 'sample'] as const)(
    'gives the same values and gradients on cpu and wasm (%s statistics)',
    async (statistics) => {
      const { bn } = make();
      await onBothBackends([[3, 4, 4, 3]], ([x]) => {
        const y = bn.apply(x, true, statistics);
        return [y, tf.grad((input: tf.Tensor) => weightedSum(bn.apply(input, true, statistics)))(x)];
      });
      await useBackend('cpu');
    },
  );

  it('running statistics are buffers: saved with the parameters, not trained, not counted as weights', () => {
    const { store, bn } = make();
    expect(bn.runningMean.trainable).toBe(false);
    expect(bn.gamma.trainable).toBe(true);
    expect(Object.keys(store.snapshot())).toEqual(['bn.gamma', 'bn.beta', 'bn.runningMean', 'bn.runningVar']);
    expect(store.countWeights()).toBe(6);
    const x = randomTensor([4, 3], 5);
    const { grads } = tf.variableGrads(
      () => weightedSum(bn.apply(x, true)),
      store.variables().filter((v) => v.trainable),
    );
    expect(Object.keys(grads).sort()).toEqual([bn.beta.name, bn.gamma.name].sort());
  });

  it('keeps the tensor count across training calls', () => {
    const { bn } = make();
    const x = randomTensor([2, 2, 2, 3], 6);
    tf.dispose(bn.apply(x, true, 'sample'));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      tf.dispose([bn.apply(x, true), bn.apply(x, true, 'sample'), bn.apply(x, false)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the shape it cannot normalise', () => {
    const { bn } = make();
    expect(() => bn.apply(tf.zeros([2, 4]), true)).toThrow(
      'batch norm: expected [..., 3] with a batch axis, got [2,4]',
    );
    expect(() => bn.apply(tf.zeros([2, 3]), true, 'sample')).toThrow(
      'batch norm: per-sample statistics need spatial axes, got [2,3]',
    );
  });
});
