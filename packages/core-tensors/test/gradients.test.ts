import { beforeAll, describe, expect, it } from 'vitest';
import {
  addBias,
  additiveAttentionScores,
  conv2d,
  createRng,
  dropout,
  embed,
  globalMaxPool,
  gumbelSoftmax,
  linear,
  lstmCell,
  maskedSoftmax,
  matMul,
  maxPool2d,
  perSampleConv2d,
  sampleCategorical,
  spatialSoftmaxAttention,
  stopGradient,
  straightThrough,
  tf,
} from '../src/index.js';
import { expectClose, finiteDifference, randomTensor, useBackend, weightedSum } from './helpers.js';

// Every custom gradient is checked on the cpu backend against tfjs's own gradient of the plain op, or
// against finite differences where tfjs has no equivalent op.
beforeAll(async () => {
  await useBackend('cpu');
});

function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): tf.Tensor[] {
  return tf.grads((...xs: tf.Tensor[]) => weightedSum(f(...xs)))(inputs);
}

describe('conv2d gradients match tfjs conv2d gradients (cpu)', () => {
  const cases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['3x3 same', [2, 5, 6, 3], [3, 3, 3, 4], 1, 'same'],
    ['1x1', [2, 4, 4, 5], [1, 1, 5, 3], 1, 'same'],
    ['5x5 valid', [1, 7, 8, 2], [5, 5, 2, 3], 1, 'valid'],
    ['3x3 stride 2 same (stem)', [2, 9, 8, 3], [3, 3, 3, 4], 2, 'same'],
    ['4x4 stride 2 valid', [1, 10, 10, 2], [4, 4, 2, 2], 2, 'valid'],
    ['2x2 same (even kernel)', [1, 5, 5, 2], [2, 2, 2, 3], 1, 'same'],
  ];
  for (const [name, xShape, wShape, stride, padding] of cases) {
    it(name, () => {
      const x = randomTensor(xShape, 1) as tf.Tensor4D;
      const w = randomTensor(wShape, 2, 0.3) as tf.Tensor4D;
      const ours = gradsOf(
        (a, b) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, null, { stride, padding }),
        [x, w],
      );
      const ref = gradsOf((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding), [x, w]);
      expectClose(conv2d(x, w, null, { stride, padding }), tf.conv2d(x, w, stride, padding));
      expectClose(ours[0], ref[0]);
      expectClose(ours[1], ref[1]);
    });
  }

  it('bias gradient', () => {
    const x = randomTensor([2, 4, 4, 3], 3) as tf.Tensor4D;
    const w = randomTensor([3, 3, 3, 2], 4) as tf.Tensor4D;
    const b = randomTensor([2], 5) as tf.Tensor1D;
    const [gb] = gradsOf((bb) => conv2d(x, w, bb as tf.Tensor1D), [b]);
    const [ref] = gradsOf((bb) => tf.add(tf.conv2d(x, w, 1, 'same'), bb), [b]);
    expectClose(gb, ref);
  });

  it('rejects a channel mismatch with a clear error', () => {
    const x = randomTensor([1, 4, 4, 3], 1) as tf.Tensor4D;
    const w = randomTensor([3, 3, 2, 2], 1) as tf.Tensor4D;
    expect(() => conv2d(x, w)).toThrow(/input has 3 channels but the kernel expects 2/);
  });
});

describe('addBias gradients match tfjs broadcast-add gradients (cpu)', () => {
  for (const shape of [
    [5, 3],
    [2, 4, 3, 3],
    [1, 3],
  ]) {
    it(`input [${shape}]`, () => {
      const x = randomTensor(shape, 6);
      const b = randomTensor([3], 7) as tf.Tensor1D;
      expectClose(addBias(x, b), tf.add(x, b));
      const ours = gradsOf((a, bb) => addBias(a, bb), [x, b]);
      const ref = gradsOf((a, bb) => tf.add(a, bb), [x, b]);
      expectClose(ours[0], ref[0]);
      expectClose(ours[1], ref[1]);
    });
  }

  it('names the shapes when the bias does not fit', () => {
    expect(() => addBias(randomTensor([2, 4], 1), randomTensor([3], 1))).toThrow(/bias must be \[4\]/);
  });
});

describe('additiveAttentionScores matches tanh(image + query) . w + b and its tfjs gradients (cpu)', () => {
  const reference = (image: tf.Tensor, query: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
    const [n, p, k] = image.shape;
    const hidden = tf.tanh(tf.add(image, tf.reshape(query, [n, 1, k])));
    return tf.reshape(tf.add(tf.matMul(tf.reshape(hidden, [n * p, k]), w), b), [n, p]);
  };
  it('values and gradients of all four inputs', () => {
    const image = randomTensor([3, 5, 4], 31);
    const query = randomTensor([3, 4], 32);
    const w = randomTensor([4, 1], 33);
    const b = randomTensor([1], 34);
    const ours = (a: tf.Tensor, q: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      additiveAttentionScores(a as tf.Tensor3D, q as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D);
    expectClose(ours(image, query, w, b), reference(image, query, w, b));
    const got = gradsOf(ours, [image, query, w, b]);
    const want = gradsOf(reference, [image, query, w, b]);
    got.forEach((g, i) => expectClose(g, want[i]));
  });
  it('names the shapes that do not fit', () => {
    expect(() =>
      additiveAttentionScores(
        randomTensor([2, 3, 4], 1) as tf.Tensor3D,
        randomTensor([2, 5], 1) as tf.Tensor2D,
        randomTensor([4, 1], 1) as tf.Tensor2D,
        randomTensor([1], 1) as tf.Tensor1D,
      ),
    ).toThrow(/image \[N, P, K\] and query \[N, K\], got \[2,3,4\] and \[2,5\]/);
  });
});

describe('lstmCell matches the LSTM equations and their tfjs gradients (cpu)', () => {
  it('h, c and gradients of gates and c', () => {
    const gates = randomTensor([3, 8], 41, 2);
    const c = randomTensor([3, 2], 42);
    const reference = (gg: tf.Tensor, cc: tf.Tensor) => {
      const [i, f, g, o] = tf.split(gg, 4, 1);
      const cNew = tf.add(tf.mul(tf.sigmoid(f), cc), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      return tf.concat([tf.mul(tf.sigmoid(o), tf.tanh(cNew)), cNew], 1);
    };
    const ours = (gg: tf.Tensor, cc: tf.Tensor) => {
      const next = lstmCell(gg as tf.Tensor2D, cc as tf.Tensor2D);
      return tf.concat([next.h, next.c], 1);
    };
    expectClose(ours(gates, c), reference(gates, c));
    const got = gradsOf(ours, [gates, c]);
    const want = gradsOf(reference, [gates, c]);
    expectClose(got[0], want[0]);
    expectClose(got[1], want[1]);
  });
  it('rejects gates that are not 4 x the cell width', () => {
    expect(() =>
      lstmCell(randomTensor([2, 6], 1) as tf.Tensor2D, randomTensor([2, 2], 1) as tf.Tensor2D),
    ).toThrow(/gates must be \[B, 4H\]/);
  });
});

describe('matMul gradients match tfjs matMul gradients (cpu)', () => {
  const cases: [string, number[], number[]][] = [
    ['2-D', [5, 7], [7, 3]],
    ['batched 3-D', [4, 5, 7], [4, 7, 3]],
    ['3-D times 2-D (shared weight)', [4, 5, 7], [7, 3]],
    ['2-D times 3-D', [5, 7], [4, 7, 3]],
  ];
  for (const [name, aShape, bShape] of cases) {
    it(name, () => {
      const a = randomTensor(aShape, 10);
      const b = randomTensor(bShape, 11);
      const ours = gradsOf((x, y) => matMul(x, y), [a, b]);
      // tfjs's own BatchMatMul gradient fails when one side is broadcast, so the reference broadcasts first.
      const batch = Math.max(aShape.length === 3 ? aShape[0] : 1, bShape.length === 3 ? bShape[0] : 1);
      const full = (t: tf.Tensor) => (t.rank === 3 ? t : tf.broadcastTo(t, [batch, ...t.shape]));
      const ref = gradsOf(
        (x, y) =>
          tf.matMul(
            aShape.length === bShape.length ? x : full(x),
            aShape.length === bShape.length ? y : full(y),
          ),
        [a, b],
      );
      expectClose(matMul(a, b), tf.matMul(a, b));
      expectClose(ours[0], ref[0]);
      expectClose(ours[1], ref[1]);
    });
  }
  it('names mismatched inner dimensions', () => {
    expect(() => matMul(tf.zeros([2, 3]), tf.zeros([4, 2]))).toThrow(/inner dimensions differ/);
  });
});

describe('perSampleConv2d', () => {
  it('equals a per-sample tf.conv2d, value and gradients', () => {
    const x = randomTensor([3, 5, 4, 2], 20) as tf.Tensor4D;
    const k = randomTensor([3, 3, 3, 2, 4], 21, 0.5);
    const bias = randomTensor([3, 4], 22) as tf.Tensor2D;
    const reference = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
      tf.concat(
        [0, 1, 2].map((i) =>
          tf.add(
            tf.conv2d(
              tf.slice(xx, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D,
              tf.reshape(tf.slice(kk, [i, 0, 0, 0, 0], [1, -1, -1, -1, -1]), [3, 3, 2, 4]) as tf.Tensor4D,
              1,
              'same',
            ),
            tf.reshape(tf.slice(bb, [i, 0], [1, -1]), [1, 1, 1, 4]),
          ),
        ),
        0,
      );
    expectClose(perSampleConv2d(x, k, bias), reference(x, k, bias));
    const ours = gradsOf((a, b, c) => perSampleConv2d(a as tf.Tensor4D, b, c as tf.Tensor2D), [x, k, bias]);
    const ref = gradsOf(reference, [x, k, bias]);
    for (let i = 0; i < 3; i++) expectClose(ours[i], ref[i]);
  });
  it('rejects mismatched batch sizes', () => {
    expect(() => perSampleConv2d(tf.zeros([2, 3, 3, 1]) as tf.Tensor4D, tf.zeros([3, 3, 3, 1, 1]))).toThrow(
      /2 samples but 3 kernels/,
    );
  });
});

describe('dense, embedding, attention, pooling', () => {
  it('linear on rank-3 input matches a plain product', () => {
    const x = randomTensor([2, 3, 4], 30);
    const w = randomTensor([4, 5], 31) as tf.Tensor2D;
    const b = randomTensor([5], 32) as tf.Tensor1D;
    const ours = gradsOf((a, bw, bb) => linear(a, bw as tf.Tensor2D, bb as tf.Tensor1D), [x, w, b]);
    const ref = gradsOf(
      (a, bw, bb) => tf.add(tf.matMul(tf.reshape(a, [6, 4]), bw), bb).reshape([2, 3, 5]),
      [x, w, b],
    );
    for (let i = 0; i < 3; i++) expectClose(ours[i], ref[i]);
  });

  it('embedding gradient equals tf.gather gradient (repeated ids accumulate)', () => {
    const table = randomTensor([6, 3], 33) as tf.Tensor2D;
    const ids = tf.tensor2d(
      [
        [1, 2, 1],
        [5, 0, 1],
      ],
      [2, 3],
      'int32',
    );
    const [ours] = gradsOf((t) => embed(t as tf.Tensor2D, ids), [table]);
    const [ref] = gradsOf((t) => tf.gather(t, ids), [table]);
    expectClose(ours, ref);
    expect(() => embed(table, tf.tensor1d([0, 6], 'int32'))).toThrow(
      /id 6 at position 1 is outside the vocabulary of 6/,
    );
  });

  it('masked softmax: masked positions get zero weight and the gradient matches finite differences', () => {
    const scores = randomTensor([2, 5], 34);
    const mask = tf.tensor2d([
      [1, 1, 0, 1, 0],
      [1, 1, 1, 1, 1],
    ]);
    const p = maskedSoftmax(scores, mask).arraySync() as number[][];
    expect(p[0][2]).toBe(0);
    expect(p[0][4]).toBe(0);
    expect(p[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const f = (s: tf.Tensor) => weightedSum(maskedSoftmax(s, mask));
    const g = tf.grad(f)(scores).dataSync();
    const idx = [0, 1, 3, 5, 9];
    const fd = finiteDifference(f, scores, idx, 1e-2);
    idx.forEach((i, j) => expect(g[i]).toBeCloseTo(fd[j], 2));
  });

  it('spatial attention sums features with softmax weights; gradient matches finite differences', () => {
    const features = randomTensor([2, 3, 3, 4], 35) as tf.Tensor4D;
    const scores = randomTensor([2, 3, 3], 36);
    const { weights, attended } = spatialSoftmaxAttention(features, scores);
    expect(weights.shape).toEqual([2, 9]);
    const manual = tf.sum(tf.mul(tf.reshape(weights, [2, 3, 3, 1]), features), [1, 2]);
    expectClose(attended, manual);
    const f = (s: tf.Tensor) => weightedSum(spatialSoftmaxAttention(features, s).attended);
    const g = tf.grad(f)(scores).dataSync();
    const idx = [0, 4, 8, 13, 17];
    const fd = finiteDifference(f, scores, idx);
    idx.forEach((i, j) => expect(g[i]).toBeCloseTo(fd[j], 2));
  });

  it('max-pool gradient goes to the maxima only', () => {
    const x = tf.tensor4d([1, 5, 2, 3, 9, 0, 4, 0, 7, 1, 8, 2, 6, 3, 0, 1], [1, 4, 4, 1]);
    const g = tf
      .grad((t) => tf.sum(maxPool2d(t as tf.Tensor4D)))(x)
      .dataSync();
    expect(Array.from(g)).toEqual([0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('global max-pool: values and gradient match tfjs maxPool over the whole map', () => {
    const x = randomTensor([3, 4, 5, 6], 11) as tf.Tensor4D;
    const ours = globalMaxPool(x);
    const theirs = tf.reshape(tf.maxPool(x, [4, 5], [4, 5], 'valid'), [3, 6]);
    expectClose(ours, theirs, 1e-7);
    const [g] = gradsOf((t) => globalMaxPool(t as tf.Tensor4D), [x]);
    const [expected] = gradsOf(
      (t) => tf.reshape(tf.maxPool(t as tf.Tensor4D, [4, 5], [4, 5], 'valid'), [3, 6]),
      [x],
    );
    expectClose(g, expected, 1e-6);
  });

  it('global max-pool: a tie gives the gradient to the first maximal cell only', () => {
    const x = tf.tensor4d([2, 7, 7, 1, 7, 0], [1, 2, 3, 1]);
    const g = tf
      .grad((t) => tf.sum(globalMaxPool(t as tf.Tensor4D)))(x)
      .dataSync();
    expect(Array.from(g)).toEqual([0, 1, 0, 0, 0, 0]);
  });
});

describe('gradient control and sampling', () => {
  it('stopGradient passes values and blocks gradients', () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, 2, 3]);
    const g = tf.grad((t) => tf.sum(tf.add(tf.mul(stopGradient(t), t), t)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 3, 4]);
  });

  it('straightThrough: forward hard, backward into soft', () => {
    const soft = tf.tensor1d([0.2, 0.7, 0.1]);
    const hard = tf.tensor1d([0, 1, 0]);
    expect(Array.from(straightThrough(hard, soft).dataSync())).toEqual([0, 1, 0]);
    const g = tf.grad((s) => tf.sum(tf.mul(straightThrough(hard, s), tf.tensor1d([1, 2, 3]))))(soft);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3]);
  });

  it('gumbel-softmax: soft samples are distributions; hard samples are one-hot with the soft gradient', () => {
    const logits = randomTensor([4, 6], 40);
    const soft = gumbelSoftmax(logits, { temperature: 0.5, hard: false, rng: createRng(1) });
    const sums = tf.sum(soft, -1).dataSync();
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    const hard = gumbelSoftmax(logits, { temperature: 0.5, hard: true, rng: createRng(1) });
    const h = hard.arraySync() as number[][];
    for (const row of h) expect(row.filter((v) => v === 1).length).toBe(1);
    // Same seed: the hard sample is the argmax of the soft one.
    const argSoft = tf.argMax(soft, -1).dataSync();
    const argHard = tf.argMax(hard, -1).dataSync();
    expect(Array.from(argHard)).toEqual(Array.from(argSoft));
    // Gradient of the hard sample equals the gradient of the soft sample (same noise).
    const gh = tf.grad((l) =>
      weightedSum(gumbelSoftmax(l, { temperature: 0.5, hard: true, rng: createRng(7) })),
    )(logits);
    const gs = tf.grad((l) =>
      weightedSum(gumbelSoftmax(l, { temperature: 0.5, hard: false, rng: createRng(7) })),
    )(logits);
    expectClose(gh, gs);
  });

  it('dropout: zeroes about the rate, scales the rest, repeats with the seed; its gradient is the mask', () => {
    const x = tf.ones([200, 50]);
    const out = dropout(x, 0.3, createRng(5)).dataSync();
    const zeros = out.filter((v) => v === 0).length / out.length;
    expect(zeros).toBeGreaterThan(0.27);
    expect(zeros).toBeLessThan(0.33);
    out.forEach((v) => expect([0, Math.fround(1 / 0.7)]).toContain(v));
    expect(Array.from(dropout(x, 0.3, createRng(5)).dataSync())).toEqual(Array.from(out));
    const grad = tf.grad((v) => tf.sum(dropout(v, 0.3, createRng(5))))(x);
    expect(Array.from(grad.dataSync())).toEqual(Array.from(out));
    expect(dropout(x, 0, createRng(5))).toBe(x);
    expect(() => dropout(x, 1, createRng(5))).toThrow(/rate must be in \[0, 1\), got 1/);
  });

  it('categorical sampling follows the probabilities; log-prob gradient matches finite differences', () => {
    const logits = tf.tensor2d([[0, Math.log(3)]], [1, 2]); // p = [0.25, 0.75]
    const rng = createRng(3);
    let ones = 0;
    const draws = 4000;
    const big = tf.tile(logits, [draws, 1]);
    const { samples } = sampleCategorical(big, rng);
    ones = Array.from(samples.dataSync()).reduce((a, b) => a + Number(b), 0);
    expect(ones / draws).toBeGreaterThan(0.72);
    expect(ones / draws).toBeLessThan(0.78);

    const l = randomTensor([3, 5], 41);
    const picked = sampleCategorical(l, createRng(5)).samples;
    const f = (x: tf.Tensor) => {
      const logp = tf.logSoftmax(x);
      return tf.sum(tf.mul(tf.oneHot(picked, 5), logp)) as tf.Scalar;
    };
    const g = tf
      .grad((x) => tf.sum(sampleCategorical(x, createRng(5)).logProbs) as tf.Scalar)(l)
      .dataSync();
    const idx = [0, 3, 7, 11, 14];
    const fd = finiteDifference(f, l, idx);
    idx.forEach((i, j) => expect(g[i]).toBeCloseTo(fd[j], 2));
    const entropy = sampleCategorical(tf.zeros([1, 4]), createRng(1)).entropy.dataSync()[0];
    expect(entropy).toBeCloseTo(Math.log(4), 5);
  });
});
