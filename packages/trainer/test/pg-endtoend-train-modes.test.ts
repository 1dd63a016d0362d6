import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModels, type Trainer } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { tempDir, withTrainer } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('train-modes-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

/** Runs one training iteration; then whether a parameter whose name starts with a prefix changed. */
function changedByOneIteration(trainer: Trainer): (prefix: string) => boolean {
  const store = trainer.model.store;
  const before = store.snapshot();
  trainer.iteration();
  const after = store.snapshot();
  return (prefix) =>
    Object.keys(before)
      .filter((n) => n.startsWith(prefix))
      .some((n) => before[n].data.some((v, i) => v !== after[n].data[i]));
}

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
          const changed = changedByOneIteration(trainer);
          expect(changed('programGenerator')).toBe(trainMode === 'PG');
          expect(changed('executor')).toBe(trainMode === 'EE');
        },
        builtinModels(),
      );
    }
  });

  it('EE with the stack executor and stack.reader: the reader learns, the controller that writes the layouts does not', async () => {
    await withTrainer(
      {
        model: 'PG_endtoend',
        executor: 'stack',
        clevr_dataset: data,
        batch_size: 6,
        stem_dim: 8,
        lr: 0.01,
        train_mode: 'EE',
        decoder_mode: 'hard',
        model_config: {
          programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
          stack: { steps: 8, depth: 4, reader: true },
        },
      },
      (trainer) => {
        const changed = changedByOneIteration(trainer);
        expect(changed('executor.reader.')).toBe(true);
        expect(changed('executor.control.')).toBe(true);
        expect(changed('programGenerator')).toBe(false);
      },
      builtinModels(),
    );
  });

  it("--program_loss_weight W adds W times the supervised questions' program loss to the answers' loss", async () => {
    const first = async (weight: number) =>
      withTrainer(
        {
          model: 'PG_endtoend',
          executor: 'stack',
          clevr_dataset: data,
          batch_size: 6,
          stem_dim: 8,
          train_mode: 'PG+EE',
          program_supervision_fraction: 0.5,
          program_loss_weight: weight,
          model_config: {
            programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
            stack: { steps: 26, depth: 4 },
          },
        },
        (trainer) => {
          // Answer batches come from every training question, not only the supervised half.
          expect(trainer.questionsPerEpoch).toBe(trainer.train.size);
          expect(trainer.supervisedRows!.length).toBe(Math.round(trainer.train.size / 2));
          return trainer.iteration().loss;
        },
        builtinModels(),
      );
    const [one, two, three] = [await first(1), await first(2), await first(3)];
    // Same start, same batches: the loss is linear in W with the program loss (> 0) as its slope.
    expect(two - one).toBeGreaterThan(0.1);
    expect(three - two).toBeCloseTo(two - one, 4);
    // What is left at W = 0 is an answer loss over the tiny set's answers (cross-entropy near log of their count).
    expect(one - (two - one)).toBeGreaterThan(0.5);
  });
});
