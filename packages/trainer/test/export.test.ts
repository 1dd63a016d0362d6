import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageFile } from '@mmnet/clevr-data';
import { initBackend } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWebModel, runCli, WEB_MODEL_MANIFEST } from '../src/index.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { captureIo, tempDir } from './helpers.js';

let data: string;
let run: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('export-data'), 'tiny'), { trainImages: 6, valImages: 3 });
  const dir = tempDir('export-run');
  const config = join(dir, 'config.json');
  const generator = {
    encoderWordvecDim: 8,
    decoderWordvecDim: 8,
    hiddenDim: 16,
    numLayers: 1,
    maxProgramLength: 6,
  };
  writeFileSync(
    config,
    JSON.stringify({
      model_config: { classifier: { projDim: 16, hiddenDim: 32 }, programGenerator: generator },
    }),
  );
  run = join(dir, 'run');
  const io = captureIo();
  const code = await runCli(
    [
      'train',
      '--model',
      'PG',
      '--clevr_dataset',
      data,
      '--config',
      config,
      '--stem-dim',
      '8',
      '--batch_size',
      '6',
      '--max_iterations',
      '3',
      '--backend',
      'wasm',
      '--out',
      run,
    ],
    io,
  );
  expect(code, io.stderr.join('\n')).toBe(0);
}, 240_000);

async function cli(argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('mmnet export --web', () => {
  it('writes files from which loadWebModel answers exactly as mmnet predict does', async () => {
    const out = join(tempDir('export-out'), 'web');
    const r = await cli(['export', '--web', run, out]);
    expect(r.code, r.err).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, WEB_MODEL_MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ model: 'PG', weights: 'model.safetensors', extractor: { kind: 'raw' } });
    const { predictor } = await loadWebModel(async (name) => readFileSync(join(out, name)));
    const image = join(data, 'images', 'val', 'CLEVR_val_000000.png');
    const question = 'How many red things?';
    const [mine] = predictor.answer([
      { features: predictor.imageFeatures(await readImageFile(image)), question },
    ]);
    predictor.dispose();
    const p = await cli([
      'predict',
      '--backend',
      'wasm',
      '--run',
      run,
      '--image',
      image,
      '--question',
      question,
    ]);
    expect(p.code, p.err).toBe(0);
    expect(p.out).toContain(`answer: ${mine.answer}`);
    expect(p.out).toContain(
      `top 5: ${mine.top.map((t) => `${t.answer} ${t.probability.toFixed(3)}`).join(', ')}`,
    );
  });

  it('names the file or argument of a bad run folder in one line', async () => {
    const empty = tempDir('export-empty');
    let r = await cli(['export', '--web', empty, join(empty, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^mmnet export: error: ${join(empty, 'run.json')}: no run manifest`));
    r = await cli(['export', '--web', join(empty, 'missing'), join(empty, 'out')]);
    expect(r.err).toBe(`mmnet export: error: ${join(empty, 'missing')}: no such run folder`);
    r = await cli(['export', run, join(empty, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--web/);
    r = await cli(['export', '--web', run]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give the run folder and the output folder/);
  });
});
