import { type BackendName, initBackend, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSAN, createSANWordByWord, questionLengths } from '../src/index.js';

async function useBackend(name: BackendName) {
  await initBackend({ prefer: name, env: {}, log: null });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const vocab = {
  question_token_to_idx: Object.fromEntries(
    ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'b', 'c', 'd'].map((t, i) => [t, i]),
  ),
  answer_token_to_idx: { yes: 0, no: 1, two: 2 },
};
const config = {
  inChannels: 3,
  stemDim: 6,
  height: 4,
  width: 4,
  wordEmbedDim: 5,
  attentionDim: 7,
  classifierHidden: 8,
  seed: 3,
};
// Lengths 5, 3 and 1, padded with <NULL> to 6.
const rows = [
  [1, 4, 5, 6, 2, 0],
  [1, 7, 2, 0, 0, 0],
  [1, 0, 0, 0, 0, 0],
];

function features(n: number) {
  return tf.randomNormal([n, 4, 4, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
}

describe('SAN (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('reads lengths from <NULL> padding, naming an empty question', () => {
    expect(questionLengths(tf.tensor2d(rows, undefined, 'int32'))).toEqual([5, 3, 1]);
    expect(() =>
      questionLengths(
        tf.tensor2d(
          [
            [1, 2],
            [0, 0],
          ],
          undefined,
          'int32',
        ),
      ),
    ).toThrow(/sample 1/);
  });

  it('gives logits and one attention map per hop, each summing to 1', () => {
    const { model } = createSAN({ ...config, hops: 4 }, vocab);
    const out = model.forward(features(3), tf.tensor2d(rows, undefined, 'int32'));
    expect(out.logits.shape).toEqual([3, 3]);
    expect(out.attention.shape).toEqual([3, 4, 4, 4]);
    const sums = tf.sum(out.attention, [2, 3]).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    // Maps differ across hops (the query changes).
    const a = out.attention.arraySync() as number[][][][];
    expect(maxAbsDiff(a[0][0].flat(), a[0][1].flat())).toBeGreaterThan(0);
  });

  it('maps sum to 1, the question changes them, padding and batch-mates do not', () => {
    const { model } = createSAN(config, vocab);
    const feats = features(3);
    const out = model.forward(feats, tf.tensor2d(rows, undefined, 'int32'));
    for (const s of tf.sum(out.attention, [2, 3]).dataSync()) expect(s).toBeCloseTo(1, 5);
    const other = model.forward(
      feats,
      tf.tensor2d([[1, 5, 5, 5, 2, 0], rows[1], rows[2]], undefined, 'int32'),
    );
    expect(
      maxAbsDiff(out.attention.dataSync().slice(0, 48), other.attention.dataSync().slice(0, 48)),
    ).toBeGreaterThan(1e-6);
    const padded = model.forward(
      feats,
      tf.tensor2d(
        rows.map((r) => [...r, 0, 0]),
        undefined,
        'int32',
      ),
    );
    expect(maxAbsDiff(out.logits.dataSync(), padded.logits.dataSync())).toBeLessThan(1e-5);
    const alone = model.forward(
      tf.slice(feats, [1, 0, 0, 0], [1, 4, 4, 3]),
      tf.tensor2d([rows[1]], undefined, 'int32'),
    );
    expect(maxAbsDiff(alone.logits.dataSync(), out.logits.dataSync().slice(3, 6))).toBeLessThan(1e-5);
  });

  it('with a 1x1 stem, a change of one cell leaves the stem features of every other cell as they were', () => {
    const { model, store } = createSAN({ ...config, stemKernelSize: 1 }, vocab);
    expect(store.variables('stem.conv1')[0].shape.slice(0, 2)).toEqual([1, 1]);
    const feats = features(1);
    const changed = tf.add(feats, tf.mul(tf.oneHot([5], 16).reshape([1, 4, 4, 1]), 3)) as tf.Tensor4D;
    const a = model.stem.apply(feats).arraySync()[0].flat(2);
    const b = model.stem.apply(changed).arraySync()[0].flat(2);
    const d = config.stemDim;
    const cells = Array.from({ length: 16 }, (_, i) =>
      maxAbsDiff(a.slice(i * d, (i + 1) * d), b.slice(i * d, (i + 1) * d)),
    );
    expect(cells.filter((x, i) => i !== 5 && x > 0)).toEqual([]);
    expect(cells[5]).toBeGreaterThan(0);
  });

  it('does not depend on padding or on the other samples', () => {
    const { model } = createSAN(config, vocab);
    const feats = features(3);
    const base = model.forward(feats, tf.tensor2d(rows, undefined, 'int32')).logits.dataSync();
    const morePadding = rows.map((r) => [...r, 0, 0, 0]);
    const padded = model.forward(feats, tf.tensor2d(morePadding, undefined, 'int32')).logits.dataSync();
    expect(maxAbsDiff(base, padded)).toBeLessThan(1e-5);
    const alone = model.forward(
      tf.slice(feats, [1, 0, 0, 0], [1, 4, 4, 3]),
      tf.tensor2d([rows[1]], undefined, 'int32'),
    );
    expect(maxAbsDiff(alone.logits.dataSync(), base.slice(3, 6))).toBeLessThan(1e-5);
  });
});

describe('SAN word by word (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('takes one hop per word, masked past each length; maps of real hops sum to 1', () => {
    const { model } = createSANWordByWord(config, vocab);
    const out = model.forward(features(3), tf.tensor2d(rows, undefined, 'int32'));
    expect(out.logits.shape).toEqual([3, 3]);
    expect(out.attention.shape).toEqual([3, 5, 4, 4]);
    expect(out.hopMask.arraySync()).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
      [1, 0, 0, 0, 0],
    ]);
    const sums = tf.sum(out.attention, [2, 3]).arraySync() as number[][];
    const mask = out.hopMask.arraySync() as number[][];
    sums.forEach((row, b) => row.forEach((s, t) => expect(s).toBeCloseTo(mask[b][t], 5)));
  });

  it('gives each sample the result it has alone and unpadded: padding changes nothing', () => {
    const { model } = createSANWordByWord(config, vocab);
    const feats = features(3);
    const batched = model.forward(feats, tf.tensor2d(rows, undefined, 'int32'));
    rows.forEach((row, b) => {
      const len = [5, 3, 1][b];
      const one = tf.slice(feats, [b, 0, 0, 0], [1, 4, 4, 3]) as tf.Tensor4D;
      const alone = model.forward(one, tf.tensor2d([row.slice(0, len)], undefined, 'int32'));
      expect(
        maxAbsDiff(alone.logits.dataSync(), batched.logits.dataSync().slice(b * 3, b * 3 + 3)),
      ).toBeLessThan(1e-5);
      const maps = tf.slice(batched.attention, [b, 0, 0, 0], [1, len, 4, 4]).dataSync();
      expect(maxAbsDiff(alone.attention.dataSync(), maps)).toBeLessThan(1e-5);
    });
  });

  it('uses every word: changing a middle word changes the answer', () => {
    const { model } = createSANWordByWord(config, vocab);
    const feats = features(1);
    const a = model.forward(feats, tf.tensor2d([[1, 4, 5, 2]], undefined, 'int32')).logits.dataSync();
    const b = model.forward(feats, tf.tensor2d([[1, 4, 7, 2]], undefined, 'int32')).logits.dataSync();
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-4);
  });
});

describe('SAN training on wasm', () => {
  it('trains: the loss falls and the tensor count stays put', async () => {
    await useBackend('wasm');
    const variants = [
      { create: createSAN, options: {} },
      { create: createSANWordByWord, options: {} },
    ];
    for (const { create, options } of variants) {
      const { model, store } = create({ ...config, ...options }, vocab);
      const feats = features(3);
      const questions = tf.tensor2d(rows, undefined, 'int32');
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3);
      const optimizer = tf.train.adam(0.01);
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.losses.softmaxCrossEntropy(labels, model.forward(feats, questions).logits) as tf.Scalar,
            store.variables(),
          );
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
          return value.dataSync()[0];
        });
      const first = step();
      const count = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 30; i++) last = step();
      expect(tf.memory().numTensors).toBe(count);
      expect(last).toBeLessThan(first * 0.5);
      optimizer.dispose();
      store.dispose();
    }
  });
});
