import { join } from 'node:path';
import { ClevrH5Dataset } from '@mmnet/clevr-data';
import { createRng, initBackend, tf } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientNorm } from '../../../test-support/gradients';
import { builtinModels, type ModelAdapter, type TrainMode } from '../src/index.js';
import { buildTinyDataset, tinyVocab } from './fixtures/tiny-dataset.js';
import { tempDir } from './helpers.js';

let dataset: ClevrH5Dataset;
let model: ModelAdapter;
let stack: (greedyPrograms: boolean) => Promise<ModelAdapter>;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  const data = await buildTinyDataset(join(tempDir('greedy-data'), 'tiny'));
  dataset = await ClevrH5Dataset.open({
    questionsH5: join(data, 'val_questions.h5'),
    featuresH5: join(data, 'val_features.h5'),
    batchSize: 8,
    shuffle: false,
    prefetch: false,
  });
  const [c, h, w] = dataset.featureShapeCHW;
  const vocab = tinyVocab();
  const context = {
    vocab,
    featureShape: [h, w, c] as [number, number, number],
    questionSize: Object.keys(vocab.question_token_to_idx).length,
    stemDim: 8,
    decoderMode: 'hard' as const,
    useCurriculum: false,
    seed: 0,
  };
  const factory = await builtinModels().factory('PG_endtoend');
  model = await factory({
    ...context,
    executorKind: 'tree',
    modelConfig: { programGenerator: { hiddenDim: 16, numLayers: 1, maxProgramLength: 6 } },
  });
  stack = async (greedyPrograms) =>
    factory({
      ...context,
      greedyPrograms,
      executorKind: 'stack',
      modelConfig: {
        programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
        stack: { steps: 8, depth: 4 },
      },
    });
});

afterAll(() => {
  model.dispose();
  dataset.close();
});

/** The programs (evaluation only) and answer scores of one forward pass on the first 8 val questions. */
function forward(training: boolean, trainMode: TrainMode, seed: number, on = model) {
  const batch = dataset.readBatch(Int32Array.from({ length: 8 }, (_, i) => i));
  return tf.tidy(() => {
    const out = on.forward(batch, { training, trainMode, rng: createRng(seed), step: 0 });
    return {
      programs: out.programs?.arraySync(),
      logits: out.logits.arraySync(),
      loss: out.loss.dataSync()[0],
    };
  });
}

describe('PG_endtoend (hard mode) through the trainer', () => {
  it("evaluates the generator's most likely programs, whatever the rng (as clevr-iep evaluates PG+EE)", () => {
    const evaluation = forward(false, 'PG+EE', 1);
    expect(forward(false, 'PG+EE', 2)).toEqual(evaluation);
    // --train_mode EE trains the executor on those same programs.
    expect(forward(true, 'EE', 3).programs).toEqual(evaluation.programs);
    // Learning from answers (PG+EE) samples them.
    expect(forward(true, 'PG+EE', 1).programs).not.toEqual(forward(true, 'PG+EE', 2).programs);
  });
});

describe('PG_endtoend (stack executor, hard mode) with --greedy_programs', () => {
  it('trains on the most likely layouts, whatever the rng, and the controller learns from the answers', async () => {
    const greedy = await stack(true);
    const sampling = await stack(false);
    try {
      const trained = forward(true, 'PG+EE', 1, greedy);
      expect(forward(true, 'PG+EE', 2, greedy)).toEqual(trained);
      // The layouts evaluation runs; without --greedy_programs, training samples others.
      expect(trained.logits).toEqual(forward(false, 'PG+EE', 3, greedy).logits);
      expect(forward(true, 'PG+EE', 1, sampling).logits).not.toEqual(
        forward(true, 'PG+EE', 2, sampling).logits,
      );
      // No REINFORCE term, yet the answer's gradient reaches the controller (control vectors, question path).
      const batch = dataset.readBatch(Int32Array.from({ length: 8 }, (_, i) => i));
      const controller = greedy.store.variables('programGenerator');
      const norm = tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () =>
            greedy.forward(batch, { training: true, trainMode: 'PG+EE', rng: createRng(1), step: 0 }).loss,
          controller,
        );
        return gradientNorm(grads);
      });
      expect(norm).toBeGreaterThan(1e-6);
    } finally {
      greedy.dispose();
      sampling.dispose();
    }
  });
});
