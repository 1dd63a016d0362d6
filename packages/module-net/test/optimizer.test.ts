import { tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { PerVariableOptimizer } from '../src/index.js';
import { maxAbsDiff, useBackend } from './helpers.js';

describe('PerVariableOptimizer (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('updates only reached variables, each exactly as its own Adam would', () => {
    const a = tf.variable(tf.tensor1d([1, 2]), true, 'pvo.a');
    const b = tf.variable(tf.tensor1d([3]), true, 'pvo.b');
    const ref = tf.variable(tf.tensor1d([1, 2]), true, 'pvo.ref');
    const opt = new PerVariableOptimizer(() => tf.train.adam(0.1));
    const refOpt = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(a)) as tf.Scalar, [a, b]);
      opt.applyGradients(grads);
      refOpt.minimize(() => tf.sum(tf.square(ref)) as tf.Scalar, false, [ref]);
    }
    expect(maxAbsDiff(a.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(opt.updated()).toEqual(['pvo.a']);
    opt.dispose();
  });
});
