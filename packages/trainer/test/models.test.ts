import { join } from 'node:path';
import { initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModels, MODEL_NAMES, RunDirectory, runCli } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, metricsOf, tempDir } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('models-data'), 'tiny'), { trainImages: 6, valImages: 3 });
});

/** Small settings per model so that each runs in seconds on the tiny dataset. */
const SMALL: Record<string, Record<string, unknown>> = {
  SAN: { wordEmbedDim: 8, attentionDim: 16, classifierHidden: 16, rnnLayers: 1 },
  SAN_wbw: { wordEmbedDim: 8, attentionDim: 16, classifierHidden: 16, rnnLayers: 1 },
  PG: { classifier: { projDim: 16, hiddenDim: 32 } },
  PG_memory: { classifier: { projDim: 16, hiddenDim: 32 } },
  PG_endtoend: {
    executor: { classifier: { projDim: 16, hiddenDim: 32 } },
    programGenerator: {
      encoderWordvecDim: 8,
      decoderWordvecDim: 8,
      hiddenDim: 16,
      numLayers: 1,
      maxProgramLength: 6,
    },
  },
};

describe('every built-in model trains through mmnet train', () => {
  for (const name of MODEL_NAMES) {
    it(name, async (ctx) => {
      try {
        await builtinModels().factory(name);
      } catch (error) {
        ctx.skip(`${name}: ${(error as Error).message}`);
      }
      const dir = tempDir(`model-${name}`);
      const config = join(dir, 'config.json');
      const out = join(dir, 'run');
      const fs = await import('node:fs');
      fs.writeFileSync(config, JSON.stringify({ model_config: SMALL[name] ?? {} }));
      const io = captureIo();
      const code = await runCli(
        [
          'train',
          ...argvOf({
            model: name,
            clevr_dataset: data,
            config,
            'stem-dim': 8,
            batch_size: 6,
            max_iterations: 4,
            num_iterations: 2,
            out,
            backend: 'wasm',
          }),
        ],
        io,
        builtinModels(),
      );
      expect(
        io.stderr.filter((l) => l.startsWith('mmnet train:')),
        io.stderr.join('\n'),
      ).toEqual([]);
      expect(code).toBe(0);
      expect(new RunDirectory(out).readManifest().step).toBe(4);
      const val = metricsOf(out, 'val');
      expect(val).toHaveLength(2);
      expect(Number.isFinite(val[1].loss)).toBe(true);
    });
  }
});

describe("PG with clevr-iep's batch norms", () => {
  it('trains them, keeps their running statistics in the checkpoint and gives those to no optimiser', async () => {
    const dir = tempDir('model-PG-batchnorm');
    const config = join(dir, 'config.json');
    const out = join(dir, 'run');
    const fs = await import('node:fs');
    const modelConfig = {
      modules: 'iep',
      stemBatchNorm: true,
      moduleBatchNorm: true,
      classifier: { projDim: 16, fcLayers: [32], batchNorm: true },
    };
    fs.writeFileSync(config, JSON.stringify({ model_config: modelConfig }));
    const io = captureIo();
    const argv = argvOf({
      model: 'PG',
      clevr_dataset: data,
      config,
      'stem-dim': 8,
      batch_size: 6,
      max_iterations: 3,
      num_iterations: 3,
      out,
      backend: 'wasm',
    });
    expect(await runCli(['train', ...argv], io, builtinModels()), io.stderr.join('\n')).toBe(0);
    const run = new RunDirectory(out);
    const { tensors } = loadCheckpoint(join(out, run.readManifest().latest));
    const statistics = Object.keys(tensors).filter(
      (n) => n.endsWith('.runningMean') || n.endsWith('.runningVar'),
    );
    expect(statistics).toContain('stem.bn2.runningVar');
    expect(statistics).toContain('modules.scene.bn1.runningMean');
    expect(statistics).toContain('classifier.bn1.runningMean');
    expect(statistics.every((n) => !n.includes('/'))).toBe(true); // no optimiser moments for them
    expect(Array.from(tensors['modules.scene.bn1.runningMean'].data).some((v) => v !== 0)).toBe(true);
    expect(Array.from(tensors['classifier.bn1.runningVar'].data).some((v) => v !== 1)).toBe(true);
    expect(Number.isFinite(metricsOf(out, 'val')[0].loss)).toBe(true);
  });
});
