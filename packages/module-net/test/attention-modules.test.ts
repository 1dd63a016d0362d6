import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import {
  answerModule,
  attentionModule,
  isAnswerToken,
  selectedMean,
  selectsWithinInput,
} from '../src/index.js';
import { callOf, maxAbsDiff, stemLikeFeatures, tinyAttentionNetwork, useBackend } from './helpers.js';

const CONFIG = { dim: 4, height: 3, width: 2 };

describe('attention modules', () => {
  it('sort the CLEVR tokens into answering and selecting modules', () => {
    for (const t of [
      'query_color',
      'count',
      'exist',
      'equal_size',
      'equal_integer',
      'greater_than',
      'less_than',
    ])
      expect(isAnswerToken(t)).toBe(true);
    for (const t of ['filter_color[red]', 'relate[left]', 'same_shape', 'unique', 'union', 'intersect'])
      expect(isAnswerToken(t)).toBe(false);
    expect(['filter_color[red]', 'filter_size[large]', 'unique'].every(selectsWithinInput)).toBe(true);
    expect(['relate[left]', 'same_shape', 'union', 'scene'].some(selectsWithinInput)).toBe(false);
  });

  it('a selecting module returns the features times one attention in [0, 1] per cell', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(1));
    const filter = attentionModule('filter_color[red]', 1).create(store.scope('f'), CONFIG);
    const union = attentionModule('union', 2).create(store.scope('u'), CONFIG);
    const features = stemLikeFeatures(2);
    for (const out of [
      filter([features], callOf(features, [0, 0])),
      union([features, features], callOf(features, [0, 0])),
    ]) {
      const attention = tf.slice(out, [0, 0, 0, 3], [2, 3, 2, 1]);
      const a = attention.dataSync();
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThanOrEqual(1);
      expect(maxAbsDiff(out.dataSync(), tf.mul(features, attention).dataSync())).toBeLessThan(1e-6);
    }
    store.dispose();
  });

  it('a module selecting within its input attends nowhere its input did not', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(3));
    const filter = attentionModule('filter_color[red]', 1, { withinInput: true }).create(
      store.scope('f'),
      CONFIG,
    );
    const features = stemLikeFeatures(2);
    // The input selected the first column of cells only, with attention 0.8.
    const selection = tf.tile(tf.tensor4d([0.8, 0], [1, 1, 2, 1]), [2, 3, 1, 1]) as tf.Tensor4D;
    const input = tf.mul(features, selection) as tf.Tensor4D;
    const out = filter([input], callOf(features, [0, 0]));
    const attention = tf.slice(out, [0, 0, 0, 3], [2, 3, 2, 1]).dataSync();
    const inputAttention = selection.dataSync();
    attention.forEach((a, i) => {
      expect(a).toBeLessThanOrEqual(inputAttention[i] + 1e-6);
      if (inputAttention[i] === 0) expect(a).toBe(0);
    });
    expect(Math.max(...attention)).toBeGreaterThan(0);
    expect(() => attentionModule('union', 2, { withinInput: true })).toThrow('withinInput needs arity 1');
    store.dispose();
  });

  it('the selected mean weighs each cell by the attention it carries', async () => {
    await useBackend('wasm');
    // One row, 1x3 cells, channels [value, attention]: cells (2, 1), (10, 0.5) masked, and one unselected.
    const x = tf.tensor4d([2, 1, 5, 0.5, 0, 0], [1, 1, 3, 2]);
    const mean = selectedMean(x).dataSync();
    expect(mean[0]).toBeCloseTo(7 / 1.501, 4);
    expect(mean[1]).toBeCloseTo(1.5 / 1.501, 4);
    expect(Math.abs(selectedMean(tf.zeros([1, 1, 3, 2])).dataSync()[0])).toBe(0);
  });

  it('an answering module returns the same code at every cell', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(2));
    const query = answerModule('query_color', 1).create(store.scope('q'), CONFIG);
    const equal = answerModule('equal_color', 2).create(store.scope('e'), CONFIG);
    const features = stemLikeFeatures(2);
    const code = query([features], callOf(features, [0, 0]));
    for (const out of [code, equal([code, code], callOf(features, [0, 0]))]) {
      expect(out.shape).toEqual([2, 3, 2, 4]);
      const first = tf.slice(out, [0, 0, 0, 0], [2, 1, 1, 4]);
      expect(maxAbsDiff(out.dataSync(), tf.broadcastTo(first, [2, 3, 2, 4]).dataSync())).toBe(0);
    }
    store.dispose();
  });

  it('an answering code selects every cell, so a module reading it as a selection sees the code itself', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(4));
    const count = answerModule('count', 1).create(store.scope('c'), CONFIG);
    const filter = attentionModule('filter_color[red]', 1).create(store.scope('f'), CONFIG);
    const features = stemLikeFeatures(2);
    const code = count([features], callOf(features, [0, 0])) as tf.Tensor4D;
    expect([...tf.slice(code, [0, 0, 0, 3], [2, 3, 2, 1]).dataSync()]).toEqual(new Array(12).fill(1));
    // A type error, as a decoded program may have: count(count(...)), filter(count(...)).
    const perCell = tf.slice(code, [0, 0, 0, 0], [2, 1, 1, 4]).reshape([2, 4]);
    expect(maxAbsDiff(selectedMean(code).dataSync(), perCell.dataSync())).toBeLessThan(1e-3);
    const bound = tf.max(tf.abs(features)).dataSync()[0];
    for (const out of [count([code], callOf(features, [0, 0])), filter([code], callOf(features, [0, 0]))]) {
      expect(Number.isFinite(tf.max(tf.abs(out)).dataSync()[0])).toBe(true);
      expect(tf.max(tf.abs(out)).dataSync()[0]).toBeLessThan(100 * bound);
    }
    store.dispose();
  });

  it('a module network with `modules: attention` has them for its tokens and a stem with the attention channel', async () => {
    await useBackend('wasm');
    const { model, store } = tinyAttentionNetwork();
    const names = store.names();
    expect(names).toContain('modules.attention_filter.mask.weight');
    expect(names).toContain('modules.answer_unary.combine.weight');
    expect(names.some((n) => n.startsWith('modules.answer_unary.mask'))).toBe(false);
    const stemOut = model.stem.apply(tf.randomNormal([1, 2, 2, 3]) as tf.Tensor4D);
    expect(stemOut.shape).toEqual([1, 2, 2, 5]);
    expect([...tf.slice(stemOut, [0, 0, 0, 4], [1, 2, 2, 1]).dataSync()]).toEqual([1, 1, 1, 1]);
    store.dispose();
  });
});
