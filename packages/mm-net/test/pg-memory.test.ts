import { tf } from '@mmnet/core-tensors';
import { createModuleNetwork } from '@mmnet/module-net';
import { encodePrefixPrograms, tokenMapOf } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addressAt, createModuleMemoryNetwork } from '../src/index.js';
import {
  copyModuleNetworkIntoMemory,
  PROGRAMS,
  programRows,
  randomFeatures,
  smallConfig,
  vocab,
} from './fixtures.js';
import { residualMemory, useBackend } from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('PG_memory (cpu)', () => {
  it('with one-hot addresses gives exactly the outputs of module-net PG with the same weights', () => {
    const { model: pg, store: pgStore } = createModuleNetwork(smallConfig, vocab);
    const { model: mm, store: mmStore } = createModuleMemoryNetwork({ ...smallConfig, seed: 2 }, vocab);
    const memory = residualMemory(mm.memory);
    expect(memory.bankOf(1).memory).toBe(mmStore.get('memory.unary'));
    expect(memory.bankOf(1).memory.shape).toEqual([memory.bankOf(1).rowNames.length, 2 * 9 * 3 * 3]);
    expect(memory.bankOf(2).memory).toBe(mmStore.get('memory.binary'));
    expect(memory.bankOf(2).memory.shape).toEqual([2, 4 * 9 * 3 * 3]);
    copyModuleNetworkIntoMemory(pg, pgStore, mm, mmStore);
    const features = randomFeatures(PROGRAMS.length, 3);
    const rows = programRows();
    const expected = pg.forward(features, rows).logits.arraySync();
    const out = mm.forward(features, rows);
    expect(out.logits.arraySync()).toEqual(expected);
    // Addressing: one-hot at the token of each step.
    const a = addressAt(out.addressing.binary, 2, 1);
    expect(Array.from(a)).toEqual(memory.bankOf(2).rowNames.map((t) => (t === 'greater_than' ? 1 : 0)));
    expect(Array.from(addressAt(out.addressing.unary, 2, 1)).every((v) => v === 0)).toBe(true);
    expect(addressAt(out.addressing.unary, 0, 2)[memory.bankOf(1).rowOf('filter_color[red]')]).toBe(1);
  });

  it('builds and trains with a vocabulary of unary functions only (no binary bank)', () => {
    const programVocab = tokenMapOf(['count', 'filter_color[red]', 'scene']);
    const unaryOnly = { program_token_to_idx: programVocab, answer_token_to_idx: { '0': 0, '1': 1, '2': 2 } };
    const { model, store } = createModuleMemoryNetwork(smallConfig, unaryOnly);
    const memory = residualMemory(model.memory);
    expect(memory.bankOf(1).rowNames).toEqual(['count', 'filter_color[red]']);
    expect(() => memory.bankOf(2)).toThrow(/no binary function, so no binary bank/);
    const rows = encodePrefixPrograms(
      [
        ['count', 'filter_color[red]', 'scene'],
        ['count', 'scene'],
      ],
      programVocab,
    );
    const labels = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(labels, model.forward(randomFeatures(2, 5), rows).logits) as tf.Scalar,
      store.variables(),
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(grads[memory.bankOf(1).memory.name]).toBeDefined();
    expect(model.forward(randomFeatures(2, 5), rows).addressing.binary.rowNames).toEqual([]);
    store.dispose();
  });

  it('reports an invalid program naming the sample and step', () => {
    const { model } = createModuleMemoryNetwork(smallConfig, vocab);
    const bad = programRows([
      ['count', 'scene'],
      ['greater_than', 'count', 'scene'],
    ]);
    expect(() => model.forward(randomFeatures(2, 1), bad)).toThrow(/sample 1/);
  });

  it('trains the memory banks: gradients reach the rows used, and only those', () => {
    const { model, store } = createModuleMemoryNetwork(smallConfig, vocab);
    const features = randomFeatures(2, 4);
    const rows = programRows(PROGRAMS.slice(0, 2));
    const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 4);
    const { grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, rows).logits) as tf.Scalar,
      store.variables(),
    );
    const bank = residualMemory(model.memory).bankOf(1);
    const g = grads[bank.memory.name].arraySync() as number[][];
    bank.rowNames.forEach((t, r) => {
      const used = PROGRAMS.slice(0, 2).some((p) => p.includes(t));
      const norm = g[r].reduce((a, v) => a + v * v, 0);
      if (used) expect(norm).toBeGreaterThan(0);
      else expect(norm).toBe(0);
    });
  });
});
