import { describe, expect, it } from 'vitest';
import { conv2d, createRng, matMul, perSampleConv2d, tf } from '../src/index.js';
import { onBothBackends, useBackend, weightedSum } from './helpers.js';

describe('wasm results equal cpu results', () => {
  it('in-place Slice kernel on non-contiguous and contiguous slices of rank 1-5', async () => {
    await onBothBackends([[7, 9, 5], [4, 3, 5, 6], [2, 3, 4, 5, 6], [11]], ([a, b, c, d]) => [
      tf.slice(a, [1, 2, 0], [3, 4, 5]),
      tf.slice(a, [2, 0, 1], [1, 9, 3]),
      tf.slice(b, [1, 0, 0, 0], [2, 3, 5, 6]),
      tf.slice(b, [0, 1, 2, 3], [4, 2, 3, 2]),
      tf.slice(c, [1, 1, 1, 1, 1], [1, 2, 3, 4, 5]),
      tf.slice(d, [3], [5]),
      tf.unstack(a)[4],
    ]);
  });

  it('in-place SplitV kernel: equal parts and given sizes, on the first, middle and last axis', async () => {
    await onBothBackends([[6, 9, 5]], ([a]) => [
      ...tf.split(a, 3, 0),
      ...tf.split(a, [2, 4, 3], 1),
      ...tf.split(a, [1, -1], -1),
    ]);
  });

  it('conv2d forward and gradients (3x3, 1x1, strided, odd sizes, batch 1)', async () => {
    for (const [xs, ws, stride] of [
      [[1, 7, 5, 3], [3, 3, 3, 4], 1],
      [[3, 6, 6, 5], [1, 1, 5, 2], 1],
      [[2, 9, 7, 3], [3, 3, 3, 4], 2],
    ] as [number[], number[], number][]) {
      await onBothBackends([xs, ws], ([x, w]) => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          weightedSum(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, null, { stride }));
        return [conv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, { stride }), ...tf.grads(f)([x, w])];
      });
    }
  });

  it('batched matMul (split into 2-D products on wasm) and its gradients', async () => {
    await onBothBackends(
      [
        [5, 7, 9],
        [5, 9, 3],
      ],
      ([a, b]) => [
        matMul(a, b),
        ...tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(matMul(x, y)))([a, b]),
      ],
    );
  });

  it('2-D and broadcast matMul gradients, whichever operands the wasm path transposes', async () => {
    const pairs: [number[], number[]][] = [
      [
        [7, 1],
        [1, 5],
      ],
      [
        [6, 4],
        [4, 1],
      ],
      [
        [1, 3],
        [3, 8],
      ],
      [
        [40, 5],
        [5, 3],
      ],
      [
        [3, 5],
        [5, 40],
      ],
      [
        [2, 6, 4],
        [4, 1],
      ],
      [
        [3, 2, 5],
        [5, 7],
      ],
    ];
    for (const [sa, sb] of pairs) {
      await onBothBackends([sa, sb], ([a, b]) => [
        matMul(a, b),
        ...tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(matMul(x, y)))([a, b]),
      ]);
    }
  });

  it('per-sample conv and its gradients', async () => {
    await onBothBackends(
      [
        [4, 5, 6, 3],
        [4, 3, 3, 3, 2],
      ],
      ([x, k]) => [
        perSampleConv2d(x as tf.Tensor4D, k),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(perSampleConv2d(a as tf.Tensor4D, b)))([
          x,
          k,
        ]),
      ],
    );
  });

  it('Tanh kernel and its gradient on large and tiny values, zeros and the float32 saturation point', async () => {
    await onBothBackends([[3, 50, 7]], ([x]) => {
      const spread = tf.mul(x, tf.tensor1d([1e-6, 0.01, 0.06, 0.5, 2, 9, 30]));
      return [tf.tanh(spread), ...tf.grads((a: tf.Tensor) => weightedSum(tf.tanh(a)))([spread])];
    });
  });

  it('OneHot with a float32 dtype gives its on and off values (the stock wasm kernel wrote int32 bits)', async () => {
    await onBothBackends([[1]], () => {
      const ids = tf.tensor2d([0, 3, 1, -1, 7, 2], [2, 3], 'int32');
      return [
        tf.oneHot(ids, 4, 1, 0, 'float32'),
        tf.oneHot(ids, 4, 0.75, -0.5, 'float32'),
        tf.cast(tf.oneHot(ids, 4), 'float32'),
      ];
    });
  });

  it('Tanh kernel is within 3e-7 of Math.tanh, keeps NaN and saturates at +-Infinity', async () => {
    await useBackend('wasm');
    const rng = createRng(9);
    const x = Float32Array.from({ length: 20_000 }, () => (rng.next() - 0.5) * 40 * 10 ** (-rng.next() * 6));
    const got = tf.tidy(() => tf.tanh(tf.tensor1d(x)).dataSync());
    let worst = 0;
    x.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(got[i] - Math.tanh(v)));
    });
    expect(worst).toBeLessThan(3e-7);
    const special = tf.tidy(() => tf.tanh(tf.tensor1d([Number.NaN, Infinity, -Infinity, 0])).arraySync());
    expect(special[0]).toBeNaN();
    expect(special.slice(1)).toEqual([1, -1, 0]);
  });

  it('Identity (tf.clone) shares data: values equal, disposing one leaves the other intact, no leak', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.clone(a);
    a.dispose();
    expect(b.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uses the seeded generator, not tfjs randomness', () => {
    const a = createRng(5).next();
    const b = createRng(5).next();
    expect(a).toBe(b);
  });
});
