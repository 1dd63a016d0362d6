import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, ParameterStore, saveCheckpoint, tf } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProgramGenerator,
  lengthGroupedBatches,
  loadProgramGenerator,
  rowLengths,
  saveProgramGenerator,
  trimmedBatch,
} from '../src/index.js';
import { useBackend } from './helpers.js';
import { batchTensors, syntheticBatch, syntheticVocab } from './synthetic-questions.js';

const folder = mkdtempSync(join(tmpdir(), 'program-decoders-'));

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const vocab = syntheticVocab();
const config = {
  encoderWordvecDim: 8,
  decoderWordvecDim: 6,
  hiddenDim: 10,
  numLayers: 2,
  maxProgramLength: 9,
};

describe('length-grouped batches', () => {
  const data = syntheticBatch(vocab, 103, 5);

  it('cover every row once per epoch, each batch cut to its own longest question and program', () => {
    const batches = lengthGroupedBatches(data, 10, createRng(1));
    expect(batches.map((b) => b.length).sort((a, b) => a - b)[0]).toBe(3);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    const qLens = rowLengths(data.questions, data.questionLength);
    const pLens = rowLengths(data.programs, data.programLength);
    let cutSteps = 0;
    for (const rows of batches) {
      const b = trimmedBatch(data, rows);
      expect(b.questionLength).toBe(Math.max(...rows.map((r) => qLens[r])));
      expect(b.programLength).toBe(Math.max(...rows.map((r) => pLens[r])));
      rows.forEach((r, k) => {
        const q = Array.from(data.questions.subarray(r * data.questionLength, (r + 1) * data.questionLength));
        const p = Array.from(data.programs.subarray(r * data.programLength, (r + 1) * data.programLength));
        expect(Array.from(b.questions.subarray(k * b.questionLength, (k + 1) * b.questionLength))).toEqual(
          q.slice(0, b.questionLength),
        );
        expect(q.slice(b.questionLength).every((t) => t === 0)).toBe(true);
        expect(Array.from(b.programs.subarray(k * b.programLength, (k + 1) * b.programLength))).toEqual(
          p.slice(0, b.programLength),
        );
      });
      cutSteps += b.questionLength * rows.length;
    }
    // Grouping by length leaves less padding than the full width.
    expect(cutSteps).toBeLessThan(103 * data.questionLength);
    // Seeded: the same generator state gives the same epoch.
    expect(lengthGroupedBatches(data, 10, createRng(1))).toEqual(batches);
  });

  it('rejects a bad batch size and rows outside the data', () => {
    expect(() => lengthGroupedBatches(data, 0, createRng(1))).toThrow(/batchSize/);
    expect(() => trimmedBatch(data, [103])).toThrow(/row 103 is outside 0..102/);
  });
});

describe('program generator checkpoints', () => {
  it('load into an equal generator, alone or under a scope of a larger store', () => {
    const { generator, store } = createProgramGenerator(config, vocab, { seed: 3 });
    const path = join(folder, 'generator.safetensors');
    saveProgramGenerator(path, generator, store, vocab, { metadata: { step: 7 } });
    const data = syntheticBatch(vocab, 4, 9);
    const logits = (g: typeof generator) =>
      tf.tidy(() => {
        const { questions, programs } = batchTensors(data);
        return Array.from(g.teacherForcedLogits(questions, programs).dataSync());
      });
    const expected = logits(generator);

    const alone = loadProgramGenerator(path);
    expect(alone.metadata.step).toBe(7);
    expect(alone.vocab).toEqual(vocab);
    expect(alone.generator.config).toEqual(generator.config);
    expect(logits(alone.generator)).toEqual(expected);

    const larger = new ParameterStore(createRng(0));
    larger.create('other.weight', [2], () => new Float32Array(2));
    const scoped = loadProgramGenerator(path, { store: larger, scopePrefix: 'programGenerator' });
    expect(larger.has('programGenerator.encoder.rnn.layer1.hiddenWeight')).toBe(true);
    expect(logits(scoped.generator)).toEqual(expected);
    // Saved back from the scope, the names are the generator's own again.
    const again = join(folder, 'again.safetensors');
    saveProgramGenerator(again, scoped.generator, larger, vocab, { scopePrefix: 'programGenerator' });
    expect(logits(loadProgramGenerator(again).generator)).toEqual(expected);
  });

  it('names the file when it is not a generator checkpoint', () => {
    const path = join(folder, 'other.safetensors');
    saveCheckpoint(path, { w: { shape: [1], data: new Float32Array(1) } }, { step: 1 });
    expect(() => loadProgramGenerator(path)).toThrow(
      /other\.safetensors: not a program generator checkpoint \(metadata config/,
    );
  });
});
