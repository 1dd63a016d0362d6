import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelRegistry, Trainer, trainConfigSchema } from '../src/index.js';
import { testRegistry } from './fixtures/test-model.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mmnet-trainer-${prefix}-`));
}

export { captureIo } from '../../../test-support/cli-io.js';

/**
 * A command line from options, in their order: `{ model: 'PG', batch_size: 6 }` gives
 * `['--model', 'PG', '--batch_size', '6']`; `true` is a bare switch and `undefined` is left out.
 */
export function argvOf(options: Record<string, string | number | boolean | undefined>): string[] {
  return Object.entries(options).flatMap(([key, value]) =>
    value === undefined || value === false ? [] : value === true ? [`--${key}`] : [`--${key}`, String(value)],
  );
}

/** A new folder with a config.json of `model_config` in it: the config's path and a run folder (`run`) beside it. */
export function configuredRun(name: string, modelConfig: object): { config: string; out: string } {
  const dir = tempDir(name);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ model_config: modelConfig }));
  return { config, out: join(dir, 'run') };
}

/** A small PG_endtoend stack-executor model config (`--executor stack`) with these `stack` fields. */
export const tinyStackModel = (stack: Record<string, unknown>) => ({
  executor: { stemKernelSize: 1, classifier: { projDim: 16, hiddenDim: 32 } },
  programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
  stack,
});

/** The records of a run's metrics.jsonl, in order; only those of `kind` when given. */
// biome-ignore lint/suspicious/noExplicitAny: JSON records of several kinds, read field by field by the tests.
export function metricsOf(out: string, kind?: 'train' | 'val'): any[] {
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  return kind ? records.filter((m) => m.kind === kind) : records;
}

/** The options of a short training run on the tiny dataset: 2 iterations of 6 questions, one validation. */
export function shortRunOptions(data: string, config: string, out: string) {
  return {
    clevr_dataset: data,
    config,
    'stem-dim': 8,
    batch_size: 6,
    max_iterations: 2,
    num_iterations: 2,
    out,
    backend: 'wasm',
  };
}

/**
 * Creates a Trainer from train-config options (with the test models unless `registry` is given), runs `body` with
 * it and disposes of it.
 */
export async function withTrainer<T>(
  options: Record<string, unknown>,
  body: (trainer: Trainer) => T | Promise<T>,
  registry: ModelRegistry = testRegistry(),
): Promise<T> {
  const trainer = await Trainer.create({ config: trainConfigSchema.parse(options), registry });
  try {
    return await body(trainer);
  } finally {
    trainer.dispose();
  }
}
