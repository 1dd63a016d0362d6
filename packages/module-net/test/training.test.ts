import { tf } from '@mmnet/core-tensors';
import { encodePrefixPrograms, tokenMapOf } from '@mmnet/programs';
import { describe, expect, it } from 'vitest';
import { createModuleNetwork, fillMissingGradients } from '../src/index.js';
import { PROGRAMS, TOKENS, useBackend } from './helpers.js';

describe('module network training on wasm', () => {
  it.each(['residual', 'attention'] as const)(
    '%s modules train with different programs per step: loss falls, tensor count stays put',
    async (modules) => {
      await useBackend('wasm');
      const vocab = tokenMapOf(TOKENS);
      const { model, store } = createModuleNetwork(
        {
          inChannels: 3,
          stemDim: 8,
          height: 4,
          width: 4,
          modules,
          classifier: { projDim: 8, hiddenDim: 16 },
          seed: 2,
        },
        { program_token_to_idx: vocab, answer_token_to_idx: { a: 0, b: 1, c: 2 } },
      );
      const features = tf.randomNormal([4, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      const batches = [PROGRAMS.slice(0, 4), PROGRAMS.slice(1, 5)].map((p) =>
        encodePrefixPrograms(p, vocab, 10),
      );
      const optimizer = tf.train.adam(1e-2);
      const variables = store.variables();
      const step = (i: number) =>
        tf.tidy(() => {
          const trees = model.parsePrograms(batches[i % 2]);
          const { value, grads } = tf.variableGrads(
            () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, trees).logits) as tf.Scalar,
            variables,
          );
          optimizer.applyGradients(fillMissingGradients(grads, variables));
          return value.dataSync()[0];
        });
      const first = [step(0), step(1)];
      const count = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 30; i++) last = [step(2 * i), step(2 * i + 1)];
      expect(tf.memory().numTensors).toBe(count);
      expect(last[0] + last[1]).toBeLessThan(0.5 * (first[0] + first[1]));
      optimizer.dispose();
      store.dispose();
    },
  );
});
