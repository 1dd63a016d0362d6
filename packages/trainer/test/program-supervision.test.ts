import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQuestionsH5 } from '@mmnet/clevr-data';
import { initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { restrictOrder, selectSupervisedQuestions } from '../src/data/program-supervision.js';
import { builtinModels, RunDirectory, runCli } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { captureIo, metricsOf, tempDir } from './helpers.js';

describe('selectSupervisedQuestions', () => {
  it('keeps round(fraction * count) distinct rows, sorted, the same for the same seed', () => {
    for (const [count, fraction, size] of [
      [1000, 0.01, 10],
      [1000, 0.05, 50],
      [1000, 0.1, 100],
      [1000, 1, 1000],
      [7, 0.01, 1],
    ] as const) {
      const rows = selectSupervisedQuestions(count, fraction, 3);
      expect(rows.length).toBe(size);
      expect(new Set(rows).size).toBe(size);
      expect([...rows].every((r, i) => r >= 0 && r < count && (i === 0 || r > rows[i - 1]))).toBe(true);
      expect([...selectSupervisedQuestions(count, fraction, 3)]).toEqual([...rows]);
    }
  });

  it('depends on the seed, and a smaller fraction keeps a subset of a larger one', () => {
    const a = selectSupervisedQuestions(1000, 0.05, 0);
    const b = selectSupervisedQuestions(1000, 0.05, 1);
    expect([...a]).not.toEqual([...b]);
    const larger = new Set(selectSupervisedQuestions(1000, 0.1, 0));
    expect([...a].every((r) => larger.has(r))).toBe(true);
  });

  it('refuses fractions outside (0, 1]', () => {
    expect(() => selectSupervisedQuestions(10, 0, 0)).toThrow(/fraction 0 is not in \(0, 1\]/);
    expect(() => selectSupervisedQuestions(10, 1.2, 0)).toThrow(/fraction 1.2/);
  });

  it('restrictOrder keeps the epoch order of the selected rows', () => {
    const order = Int32Array.from([5, 2, 9, 0, 7]);
    expect([...restrictOrder(order, Int32Array.from([0, 5, 7]))]).toEqual([5, 0, 7]);
  });
});

describe('mmnet train --train_mode PG --program_supervision_fraction', () => {
  let data: string;
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
    data = await buildTinyDataset(join(tempDir('weak-data'), 'tiny'), { trainImages: 6, valImages: 3 });
  });

  it('trains only the program generator, on the chosen questions, from their programs', async () => {
    const dir = tempDir('weak-run');
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        model_config: {
          executor: { classifier: { projDim: 8, hiddenDim: 16 } },
          programGenerator: { encoderWordvecDim: 8, decoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
        },
      }),
    );
    const out = join(dir, 'run');
    const io = captureIo();
    const argv = [
      'train',
      '--model=PG_endtoend',
      `--clevr_dataset=${data}`,
      `--config=${config}`,
      '--stem-dim=8',
      '--batch_size=4',
      '--train_mode=PG',
      '--program_supervision_fraction=0.5',
      '--max-epochs=2',
      '--lr=0.01',
      '--num_iterations=100',
      `--out=${out}`,
      '--backend=wasm',
    ];
    const code = await runCli(argv, io, builtinModels());
    expect(
      io.stderr.filter((l) => l.startsWith('mmnet train:')),
      io.stderr.join('\n'),
    ).toEqual([]);
    expect(code).toBe(0);
    const stored = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(stored.program_supervision_fraction).toBe(0.5);
    const log = io.stderr.join('\n');
    const trained = Number(/on (\d+) questions \(their programs/.exec(log)?.[1]);
    const all = (await readQuestionsH5(join(data, 'train_questions.h5'))).answers!.length;
    expect(trained).toBe(Math.round(all / 2));
    // 2 epochs of ceil(trained / 4) batches.
    const dirRun = new RunDirectory(out);
    expect(dirRun.readManifest().step).toBe(2 * Math.ceil(trained / 4));
    // The executor is untouched (no Adam moments moved), the generator learnt.
    const ckpt = loadCheckpoint(join(out, dirRun.readManifest().latest));
    const moments = (prefix: string) =>
      Object.entries(ckpt.tensors)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((s, [, v]) => s + Array.from(v.data as Float32Array).reduce((a, x) => a + Math.abs(x), 0), 0);
    expect(moments('optim/executor/m/')).toBe(0);
    expect(moments('optim/programGenerator/m/')).toBeGreaterThan(0);
    const train = metricsOf(out, 'train');
    expect(train.at(-1).loss).toBeLessThan(train[0].loss);
  });

  it('refuses a model without a program generator in one line', async () => {
    const io = captureIo();
    const code = await runCli(
      [
        'train',
        '--model=PG',
        `--clevr_dataset=${data}`,
        '--train_mode=PG',
        '--program_supervision_fraction=0.1',
        `--out=${join(tempDir('weak-bad'), 'run')}`,
        '--backend=wasm',
      ],
      io,
      builtinModels(),
    );
    expect(code).not.toBe(0);
    const errors = io.stderr.filter((l) => l.startsWith('mmnet train:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no (parameters to train|program generator)/);
  });
});
