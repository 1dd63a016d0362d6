import { tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherFrom, residualBinary, residualUnary, spreadRows } from '../src/index.js';
import { maxAbsDiff, useBackend } from './helpers.js';

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 0.3, 'float32', seed);

describe('residual blocks and row gathers (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('computes the IEP unary and binary blocks', () => {
    const x = rand([2, 3, 3, 4], 1) as tf.Tensor4D;
    const b = rand([2, 3, 3, 4], 2) as tf.Tensor4D;
    const k = (cin: number, seed: number) => ({
      kernel: rand([3, 3, cin, 4], seed),
      bias: rand([4], seed + 50),
    });
    const u = { conv1: k(4, 3), conv2: k(4, 4) };
    const conv = (t: tf.Tensor4D, w: { kernel: tf.Tensor; bias: tf.Tensor }) =>
      tf.add(tf.conv2d(t, w.kernel as tf.Tensor4D, 1, 'same'), w.bias) as tf.Tensor4D;
    const expectU = tf.relu(tf.add(x, conv(tf.relu(conv(x, u.conv1)), u.conv2)));
    expect(maxAbsDiff(residualUnary(x, u).dataSync(), expectU.dataSync())).toBeLessThan(1e-5);
    const w = { conv1: k(8, 5), conv2: k(4, 6), conv3: k(4, 7) };
    const o1 = tf.relu(conv(tf.concat([x, b], 3) as tf.Tensor4D, w.conv1));
    const expectB = tf.relu(tf.add(o1, conv(tf.relu(conv(o1, w.conv2)), w.conv3)));
    expect(maxAbsDiff(residualBinary(x, b, w).dataSync(), expectB.dataSync())).toBeLessThan(1e-5);
    expect(() => residualBinary(x, rand([1, 3, 3, 4], 9) as tf.Tensor4D, w)).toThrow(/differ in shape/);
  });

  it('runs with per-sample kernels (as read from a module memory) like each sample with its own kernel', () => {
    const x = rand([3, 4, 4, 2], 11) as tf.Tensor4D;
    const kernels = rand([3, 3, 3, 2, 2], 12);
    const biases = rand([3, 2], 13);
    const k2 = rand([3, 3, 3, 2, 2], 14);
    const out = residualUnary(x, { conv1: { kernel: kernels, bias: biases }, conv2: { kernel: k2 } });
    for (let i = 0; i < 3; i++) {
      const xi = tf.slice(x, [i, 0, 0, 0], [1, 4, 4, 2]) as tf.Tensor4D;
      const one = residualUnary(xi, {
        conv1: {
          kernel: tf.reshape(tf.slice(kernels, [i, 0, 0, 0, 0], [1, 3, 3, 2, 2]), [3, 3, 2, 2]),
          bias: tf.reshape(tf.slice(biases, [i, 0], [1, 2]), [2]),
        },
        conv2: { kernel: tf.reshape(tf.slice(k2, [i, 0, 0, 0, 0], [1, 3, 3, 2, 2]), [3, 3, 2, 2]) },
      });
      expect(maxAbsDiff(one.dataSync(), tf.slice(out, [i, 0, 0, 0], [1, 4, 4, 2]).dataSync())).toBeLessThan(
        1e-5,
      );
    }
    expect(() => residualUnary(x, { conv1: { kernel: rand([3, 3], 1) }, conv2: { kernel: k2 } })).toThrow(
      /rank 4/,
    );
  });

  it('gathers rows from several sources with gradients equal to tf.gather on their concatenation', () => {
    const a = rand([3, 2], 21);
    const b = rand([4, 2], 22);
    const picks = [
      [1, 2],
      [1, 3],
      [0, 0],
      [1, 2],
      [0, 2],
      [0, 1],
    ] as const;
    const flat = picks.map(([s, r]) => (s === 0 ? r : 3 + r));
    const w = rand([6, 2], 23);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(gatherFrom([x, y], picks), w)))([
      a,
      b,
    ]);
    const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(tf.gather(tf.concat([x, y], 0), flat), w)),
    )([a, b]);
    expect(
      maxAbsDiff(gatherFrom([a, b], picks).dataSync(), tf.gather(tf.concat([a, b], 0), flat).dataSync()),
    ).toBe(0);
    expect(maxAbsDiff(ours[0].dataSync(), ref[0].dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(ours[1].dataSync(), ref[1].dataSync())).toBeLessThan(1e-6);
    expect(() => gatherFrom([a], [[0, 5]])).toThrow(/row 5 of source 0 with 3 rows/);
  });

  it('spreads rows back to their places, zeros elsewhere, with the gradient of the rows it placed', () => {
    const x = rand([2, 3], 24);
    const w = rand([4, 3], 25);
    const [spread] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(spreadRows(v, [3, 1], 4), w)))([x]);
    const rows = spreadRows(x, [3, 1], 4).arraySync() as number[][];
    const [x0, x1] = x.arraySync() as number[][];
    expect(rows).toEqual([[0, 0, 0], x1, [0, 0, 0], x0]);
    const [, w1, , w3] = w.arraySync() as number[][];
    expect(spread.arraySync()).toEqual([w3, w1]);
    expect(spreadRows(x, [0, 1], 2)).toBe(x);
    expect(() => spreadRows(x, [1, 1], 4)).toThrow(/row 1 is out of 0..3 or repeated/);
    expect(() => spreadRows(x, [0], 4)).toThrow(/1 rows for a tensor of 2/);
  });
});
