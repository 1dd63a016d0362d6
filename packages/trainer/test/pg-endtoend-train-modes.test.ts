import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModels } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { tempDir, withTrainer } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('train-modes-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

describe('PG_endtoend --train_mode', () => {
  it('PG trains only the program generator, EE only the executor', async () => {
    for (const trainMode of ['PG', 'EE'] as const) {
      const options = {
        model: 'PG_endtoend',
        clevr_dataset: data,
        batch_size: 6,
        stem_dim: 8,
        lr: 0.01,
        train_mode: trainMode,
        decoder_mode: 'soft',
        model_config: { programGenerator: { hiddenDim: 16, numLayers: 1, maxProgramLength: 6 } },
      };
      await withTrainer(
        options,
        (trainer) => {
          const store = trainer.model.store;
          const before = store.snapshot();
          trainer.iteration();
          const after = store.snapshot();
          const changed = (prefix: string) =>
            Object.keys(before)
              .filter((n) => n.startsWith(prefix))
              .some((n) => before[n].data.some((v, i) => v !== after[n].data[i]));
          expect(changed('programGenerator')).toBe(trainMode === 'PG');
          expect(changed('executor')).toBe(trainMode === 'EE');
        },
        builtinModels(),
      );
    }
  });
});
