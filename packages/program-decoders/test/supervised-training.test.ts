import { tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgramGenerator, decodeGreedy, programExactMatch, teacherForcedLoss } from '../src/index.js';
import { useBackend } from './helpers.js';
import { batchTensors, syntheticBatch, syntheticVocab } from './synthetic-questions.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('supervised training (wasm)', () => {
  it('learns held-out synthetic programs exactly, with a stable tensor count', () => {
    const vocab = syntheticVocab();
    const { generator, store } = createProgramGenerator(
      {
        encoderWordvecDim: 24,
        decoderWordvecDim: 16,
        hiddenDim: 48,
        numLayers: 1,
        cell: 'gru',
        maxProgramLength: 9,
      },
      vocab,
      { seed: 1 },
    );
    const train = syntheticBatch(vocab, 2000, 11);
    const heldOut = syntheticBatch(vocab, 200, 12);
    const optimizer = tf.train.adam(1e-2);
    const batchSize = 32;
    const step = (i: number) =>
      tf.tidy(() => {
        const from = (i * batchSize) % (train.count - batchSize);
        const { questions, programs } = batchTensors(train, from, batchSize);
        const loss = optimizer.minimize(
          () => teacherForcedLoss(generator, questions, programs),
          true,
          store.variables(),
        );
        return loss!.dataSync()[0];
      });
    const first = step(0);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < 200; i++) last = step(i);
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.1);
    const { questions } = batchTensors(heldOut);
    const decoded = decodeGreedy(generator, questions);
    const { accuracy } = programExactMatch(decoded.sequences, heldOut.programs, heldOut.programLength);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    // A sequence that differs by one token is not a match.
    const broken = decoded.sequences.map((s) => [...s.slice(0, -1), 3]);
    expect(programExactMatch(broken, heldOut.programs, heldOut.programLength).accuracy).toBe(0);
  });
});
