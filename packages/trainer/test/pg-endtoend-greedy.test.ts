import { join } from 'node:path';
import { ClevrH5Dataset } from '@mmnet/clevr-data';
import { createRng, initBackend, tf } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModels, type ModelAdapter, type TrainMode } from '../src/index.js';
import { buildTinyDataset, tinyVocab } from './fixtures/tiny-dataset.js';
import { tempDir } from './helpers.js';

let dataset: ClevrH5Dataset;
let model: ModelAdapter;

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
  model = await (await builtinModels().factory('PG_endtoend'))({
    vocab,
    featureShape: [h, w, c],
    questionSize: Object.keys(vocab.question_token_to_idx).length,
    stemDim: 8,
    decoderMode: 'hard',
    useCurriculum: false,
    executorKind: 'tree',
    modelConfig: { programGenerator: { hiddenDim: 16, numLayers: 1, maxProgramLength: 6 } },
    seed: 0,
  });
});

afterAll(() => {
  model.dispose();
  dataset.close();
});

/** The programs and answer scores of one forward pass on the first 8 val questions. */
function forward(training: boolean, trainMode: TrainMode, seed: number) {
  const batch = dataset.readBatch(Int32Array.from({ length: 8 }, (_, i) => i));
  return tf.tidy(() => {
    const out = model.forward(batch, { training, trainMode, rng: createRng(seed), step: 0 });
    return { programs: out.programs!.arraySync(), logits: out.logits.arraySync() };
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
