import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModels, runCli } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, configuredRun, metricsOf, shortRunOptions, tempDir } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('stack-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

const MODEL_CONFIG = {
  executor: { stemKernelSize: 1, classifier: { projDim: 16, hiddenDim: 32 } },
  programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
  stack: { steps: 5, depth: 4 },
};

async function train(extra: string[], name: string, modelConfig: object = MODEL_CONFIG) {
  const { config, out } = configuredRun(name, modelConfig);
  const io = captureIo();
  const code = await runCli(
    [
      'train',
      ...argvOf({ model: 'PG_endtoend', ...shortRunOptions(data, config, out), report_samples: 2 }),
      ...extra,
    ],
    io,
    builtinModels(),
  );
  return { code, io, out };
}

describe('PG_endtoend with the stack executor through mmnet train', () => {
  it('trains by default, reports layout agreement and every step’s attention and address', async () => {
    const { code, io, out } = await train([], 'stack-run');
    expect(code, io.stderr.join('\n')).toBe(0);
    const val = metricsOf(out, 'val');
    expect(val).toHaveLength(1);
    // The argmax layout is compared with every question's program: a number in [0, 1], not absent.
    expect(val[0].program_exact_match).toBeGreaterThanOrEqual(0);
    expect(val[0].program_exact_match).toBeLessThanOrEqual(1);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    for (let t = 1; t <= 5; t++) expect(report).toContain(`<figcaption>step ${t}</figcaption>`);
    expect(report).toContain('addressing-map');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.executor).toBe('stack');
  });

  it('teaches the controller the aligned layouts with --program_supervision_fraction', async () => {
    const { code, io } = await train(
      ['--train_mode', 'PG', '--program_supervision_fraction', '0.5', '--lr', '0.01'],
      'stack-layouts',
    );
    expect(code, io.stderr.join('\n')).toBe(0);
  });

  it("with stack.controllerDropout the layouts learn under the run's seeded dropout: repeatable, and not the same as none", async () => {
    const layouts = ['--train_mode', 'PG', '--program_supervision_fraction', '0.5', '--lr', '0.01'];
    const dropped = { ...MODEL_CONFIG, stack: { ...MODEL_CONFIG.stack, controllerDropout: 0.3 } };
    const losses = async (name: string, modelConfig: object) => {
      const { code, io, out } = await train(layouts, name, modelConfig);
      expect(code, io.stderr.join('\n')).toBe(0);
      return metricsOf(out, 'train').map((m) => m.loss);
    };
    const first = await losses('stack-dropout-a', dropped);
    expect(await losses('stack-dropout-b', dropped)).toEqual(first);
    expect(await losses('stack-no-dropout', MODEL_CONFIG)).not.toEqual(first);
  });

  it('with stack.givenLayouts it executes the aligned layouts of the ground-truth programs', async () => {
    const givenLayouts = { ...MODEL_CONFIG, stack: { steps: 26, depth: 4, givenLayouts: true } };
    const { code, io, out } = await train(['--train_mode', 'EE'], 'stack-given', givenLayouts);
    expect(code, io.stderr.join('\n')).toBe(0);
    const val = metricsOf(out, 'val');
    // Every program fits 26 steps, so every executed layout is its question's program.
    expect(val[0].program_exact_match).toBe(1);
  });

  it('a stack config error names the field', async () => {
    const { config, out } = configuredRun('stack-bad', { ...MODEL_CONFIG, stack: { steps: 0 } });
    const io = captureIo();
    const code = await runCli(
      ['train', ...argvOf({ model: 'PG_endtoend', clevr_dataset: data, config, out })],
      io,
      builtinModels(),
    );
    expect(code).not.toBe(0);
    expect(io.stderr.join('\n')).toMatch(/stack\.steps/);
  });
});
