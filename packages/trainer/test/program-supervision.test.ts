import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQuestionsH5 } from '@mmnet/clevr-data';
import { createRng, initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { encodePrefixPrograms, tokenMapOf } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pseudoPrograms, restrictOrder, selectSupervisedQuestions } from '../src/data/program-supervision.js';
import { builtinModels, RunDirectory, runCli } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import {
  argvOf,
  captureIo,
  configuredRun,
  metricsOf,
  shortRunOptions,
  tempDir,
  tinyStackModel,
  withTrainer,
} from './helpers.js';

// The tiny generated dataset that the training runs below share.
let data: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('weak-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

/**
 * Trains `options` briefly through the CLI (`extra` flags on top of the short-run ones), and returns train options
 * for a Trainer that starts from its latest checkpoint's program generator.
 */
async function briefRun(
  name: string,
  model_config: object,
  options: Record<string, string | number>,
  extra: Record<string, number> = {},
) {
  const { config, out } = configuredRun(name, model_config);
  const io = captureIo();
  const argv = ['train', ...argvOf({ ...options, ...shortRunOptions(data, config, out), ...extra })];
  expect(await runCli(argv, io, builtinModels()), io.stderr.join('\n')).toBe(0);
  const start = new RunDirectory(out);
  return {
    ...options,
    clevr_dataset: data,
    stem_dim: 8,
    model_config,
    load_model_path: start.path(start.readManifest().latest),
    load_model_mode: 'PG',
  };
}

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

describe('pseudoPrograms (self-training)', () => {
  const vocab = tokenMapOf(['count', 'exist', 'filter_color[red]', 'scene']);
  const questions = { data: Int32Array.from([10, 11, 20, 21, 30, 31, 40, 41, 50, 51]), rows: 5, cols: 2 };
  // The labeller: row r (read from its first word) gets `programs[r]` at log-probability `logProbs[r]`.
  const programs: (string[] | null)[] = [
    ['count', 'scene'],
    ['exist', 'filter_color[red]', 'scene'],
    null,
    ['count', 'filter_color[red]', 'filter_color[red]', 'scene'],
    ['exist', 'scene'],
  ];
  const logProbs = [-0.01, -0.1, 0, -0.05, -3];
  const seen: number[] = [];
  const label = (batch: { questions: Int32Array; questionLength: number }) => {
    const rows = Array.from({ length: batch.questions.length / batch.questionLength }, (_, i) =>
      Math.round(batch.questions[i * batch.questionLength] / 10 - 1),
    );
    seen.push(...rows);
    return { programs: rows.map((r) => programs[r]), logProbs: Float64Array.from(rows, (r) => logProbs[r]) };
  };

  it('labels the rows without a program that the labeller is sure of, as prefix id rows of the given width', () => {
    const out = pseudoPrograms(questions, Int32Array.from([0]), label, { minLogProb: -0.2, vocab, width: 5 });
    // Row 0 has its own program, 2 has none from the labeller, 3 does not fit 5 ids, 4 is below the threshold.
    expect(seen).toEqual([1, 2, 3, 4]);
    expect([...out.keys()]).toEqual([1]);
    expect([...out.get(1)!]).toEqual(encodePrefixPrograms([programs[1]!], vocab, 5)[0]);
    expect([
      ...pseudoPrograms(questions, Int32Array.from([0]), label, { minLogProb: -5, vocab, width: 6 }).keys(),
    ]).toEqual([1, 3, 4]);
  });
});

describe('mmnet train --pseudo_program_min_log_prob', () => {
  it('refuses a run without a fraction or a generator to label with, or within a recipe, naming the field', async () => {
    for (const [extra, message] of [
      [{}, /--pseudo_program_min_log_prob: needs --program_supervision_fraction/],
      [{ program_supervision_fraction: 0.5 }, /--pseudo_program_min_log_prob: needs --load_model_path/],
      [{ pseudo_program_min_log_prob: 0.5 }, /--pseudo_program_min_log_prob: must be <= 0/],
      [
        { recipe: 'weak-supervision', program_supervision_fraction: 0.5 },
        /--pseudo_program_min_log_prob: not with --recipe/,
      ],
    ] as const) {
      const io = captureIo();
      const argv = [
        'train',
        ...argvOf({
          model: 'PG_endtoend',
          executor: 'stack',
          train_mode: 'PG',
          clevr_dataset: data,
          pseudo_program_min_log_prob: -0.2,
          ...extra,
        }),
      ];
      expect(await runCli(argv, io, builtinModels())).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
  });

  it("adds the loaded controller's most likely programs of the other questions to the supervised ones", async () => {
    const run = await briefRun('pseudo-run', tinyStackModel({ steps: 16, depth: 4 }), {
      model: 'PG_endtoend',
      executor: 'stack',
      train_mode: 'PG',
      program_supervision_fraction: 0.5,
    });
    const all = (await readQuestionsH5(join(data, 'train_questions.h5'))).answers!.length;
    await withTrainer(
      { ...run, pseudo_program_min_log_prob: -1e30 },
      (trainer) => {
        const given = selectSupervisedQuestions(all, 0.5, 0);
        const pseudo = trainer.pseudoPrograms!;
        // Every other row is labelled (the threshold keeps all), unless its program does not fit the rows.
        expect(pseudo.size).toBeGreaterThan(0);
        expect([...pseudo.keys()].every((r) => !given.includes(r))).toBe(true);
        expect(trainer.supervisedRows!.length).toBe(given.length + pseudo.size);
        // The labels are what the loaded controller gives those questions.
        const rows = Int32Array.from(pseudo.keys());
        const arrays = trainer.train.readBatch(rows);
        const { programs } = trainer.model.likelyPrograms!(arrays);
        const width = arrays.programLength!;
        const encoded = encodePrefixPrograms(
          programs as string[][],
          trainer.vocab.program_token_to_idx,
          width,
        );
        rows.forEach((r, i) => expect([...pseudo.get(r)!]).toEqual(encoded[i]));
        // Training batches carry them in place of the dataset's programs.
        expect([...trainer.readRows(rows).programs!]).toEqual(encoded.flat());
        expect([...trainer.readRows(rows).programs!]).not.toEqual([...arrays.programs!]);
      },
      builtinModels(),
    );
    // A threshold no program reaches labels none.
    await withTrainer(
      { ...run, pseudo_program_min_log_prob: 0 },
      (trainer) => expect(trainer.pseudoPrograms!.size).toBe(0),
      builtinModels(),
    );
  });
});

describe("PG_endtoend's likelyPrograms (the labeller of self-training)", () => {
  it("tree executor: the generator's beam of one, its log-probability the teacher-forced one", async () => {
    // A generator that has learnt the tiny set's programs, so that its decodings are whole programs.
    const run = await briefRun(
      'likely-tree',
      {
        executor: { classifier: { projDim: 8, hiddenDim: 16 } },
        programGenerator: { encoderWordvecDim: 8, decoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
      },
      { model: 'PG_endtoend', executor: 'tree', train_mode: 'PG', program_supervision_fraction: 1 },
      { lr: 0.01, max_iterations: 150 },
    );
    await withTrainer(
      run,
      (trainer) => {
        const rows = Int32Array.from({ length: 12 }, (_, i) => i);
        const batch = trainer.readRows(rows);
        const { programs, logProbs } = trainer.model.likelyPrograms!(batch);
        const labelled = programs.flatMap((p, i) => (p ? [i] : []));
        expect(labelled.length).toBeGreaterThan(0);
        for (const i of labelled) {
          const program = programs[i]!;
          const one = {
            questions: batch.questions.subarray(i * batch.questionLength, (i + 1) * batch.questionLength),
            questionLength: batch.questionLength,
            programs: Int32Array.from(encodePrefixPrograms([program], trainer.vocab.program_token_to_idx)[0]),
            programLength: program.length + 2,
          };
          // The teacher-forced loss is the mean over the program's tokens and its `<END>`.
          const { loss } = trainer.model.programLoss!(one, { rng: createRng(0), step: 0 });
          expect(-loss.dataSync()[0] * (program.length + 1)).toBeCloseTo(logProbs[i], 3);
          loss.dispose();
        }
      },
      builtinModels(),
    );
  });
});
