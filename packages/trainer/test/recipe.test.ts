import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModels, RunDirectory, runCli, SELF_TRAINING_MIN_LOG_PROB } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, configuredRun, shortRunOptions, tempDir, tinyStackModel } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('recipe-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

const storedConfig = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

/** `mmnet train` argv of the tree executor's recipe on half the programs, in a new folder, with `extra` flags. */
function treeRecipe(name: string, extra: Record<string, unknown> = {}) {
  const dir = tempDir(name);
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      model_config: { programGenerator: { hiddenDim: 16, numLayers: 1, maxProgramLength: 6 } },
    }),
  );
  const out = join(dir, 'run');
  const argv = [
    'train',
    ...argvOf({
      recipe: 'weak-supervision',
      program_supervision_fraction: 0.5,
      model: 'PG_endtoend',
      executor: 'tree',
      ...shortRunOptions(data, config, out),
      ...extra,
    }),
  ];
  return { argv, out };
}

describe('mmnet train --recipe weak-supervision', () => {
  it('trains programs, executor and answers in turn, each from the last one, and resumes when rerun', async () => {
    const { argv, out } = treeRecipe('recipe');
    const io = captureIo();
    expect(await runCli(argv, io, builtinModels()), io.stderr.join('\n')).toBe(0);
    const stages = ['programs', 'executor', 'answers'].map((s) => join(out, s));
    for (const stage of stages) expect(new RunDirectory(stage).readManifest().step).toBe(2);
    const [programs, executor, answers] = stages.map(storedConfig);
    expect(programs).toMatchObject({ train_mode: 'PG', program_supervision_fraction: 0.5 });
    expect(programs.load_model_path).toBeUndefined();
    expect(executor).toMatchObject({ train_mode: 'EE', lr_schedule: 'cosine', load_model_mode: 'PG' });
    expect(executor.load_model_path).toContain(stages[0]);
    expect(answers).toMatchObject({ train_mode: 'PG+EE', pg_lr: 1e-5, lr: 1e-4, load_model_mode: 'PG+EE' });
    expect(answers.load_model_path).toContain(stages[1]);
    for (const c of [programs, executor, answers]) expect(c.recipe).toBeUndefined();
    // Rerun: every stage is already done, so each resumes and stops at once.
    const again = captureIo();
    expect(await runCli(argv, again, builtinModels()), again.stderr.join('\n')).toBe(0);
    for (const stage of stages) expect(new RunDirectory(stage).readManifest().step).toBe(2);
  });

  it('keeps to --max_minutes when rerun: a stage that used its share of the time is not trained again', async () => {
    // 0.01 minutes in all: every stage gets the 0.05-minute floor, which its iterations cannot end first.
    const { argv, out } = treeRecipe('recipe-budget', {
      max_iterations: 100_000,
      num_iterations: 100_000,
      'max-epochs': 100_000,
      max_minutes: 0.01,
    });
    const io = captureIo();
    expect(await runCli(argv, io, builtinModels()), io.stderr.join('\n')).toBe(0);
    const steps = () =>
      ['programs', 'executor', 'answers'].map((s) => new RunDirectory(join(out, s)).readManifest().step);
    const first = steps();
    for (const step of first) expect(step).toBeGreaterThan(0);
    for (const step of first) expect(step).toBeLessThan(100_000);
    const again = captureIo();
    expect(await runCli(argv, again, builtinModels()), again.stderr.join('\n')).toBe(0);
    expect(steps()).toEqual(first);
  });

  it('with the stack executor: layouts, then the executor on their most likely whole programs', async () => {
    const { config, out } = configuredRun('recipe-stack', tinyStackModel({ steps: 8, depth: 4 }));
    const io = captureIo();
    const code = await runCli(
      [
        'train',
        ...argvOf({
          recipe: 'weak-supervision',
          program_supervision_fraction: 0.5,
          model: 'PG_endtoend',
          executor: 'stack',
          ...shortRunOptions(data, config, out),
        }),
      ],
      io,
      builtinModels(),
    );
    expect(code, io.stderr.join('\n')).toBe(0);
    const stages = ['layouts', 'self-training', 'executor'].map((s) => join(out, s));
    const [layouts, selfTraining, executor] = stages.map(storedConfig);
    expect(layouts).toMatchObject({ train_mode: 'PG', program_supervision_fraction: 0.5 });
    expect(selfTraining).toMatchObject({
      train_mode: 'PG',
      program_supervision_fraction: 0.5,
      pseudo_program_min_log_prob: SELF_TRAINING_MIN_LOG_PROB,
      load_model_mode: 'PG',
    });
    expect(selfTraining.load_model_path).toContain(stages[0]);
    expect(io.stderr.join('\n')).toMatch(/the loaded generator's for \d+ of them/);
    expect(executor).toMatchObject({ train_mode: 'EE', decoder_mode: 'hard', load_model_mode: 'PG' });
    expect(executor.load_model_path).toContain(stages[1]);
    expect(readdirSync(out).sort()).toEqual(['executor', 'layouts', 'self-training']);
    // The executor stage learns with the controller frozen at the layouts stage's weights.
    const latest = (stage: string) => {
      const run = new RunDirectory(stage);
      return loadCheckpoint(run.path(run.readManifest().latest)).tensors;
    };
    const [before, after] = [latest(stages[1]), latest(stages[2])];
    const changed = (prefix: string) =>
      Object.keys(after)
        .filter((n) => n.startsWith(prefix))
        .map((n) => after[n].data.some((v, i) => v !== before[n].data[i]));
    expect(changed('programGenerator').length).toBeGreaterThan(0);
    expect(changed('programGenerator').some(Boolean)).toBe(false);
    expect(changed('executor').some(Boolean)).toBe(true);
  });

  it('needs PG_endtoend and a fraction', async () => {
    const io = captureIo();
    const code = await runCli(
      ['train', ...argvOf({ recipe: 'weak-supervision', model: 'PG', clevr_dataset: data })],
      io,
      builtinModels(),
    );
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/--recipe: needs --model PG_endtoend/);
    expect(io.stderr.join('\n')).toMatch(/--recipe: needs --program_supervision_fraction/);
  });
});
