// Cross-checks against the official CLEVR reference data in /work/shared/clevr-reference (the reference
// project's vocab.json and one real CLEVR image). When that folder is absent the tests are skipped (and vitest
// reports them as skipped).

import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { vocabFromJson } from '@mmnet/programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessQuestions } from '../src/dataset/index.js';
import { extractFeatures, rawPixelsExtractor, readPngFile } from '../src/features/index.js';
import { FeaturesH5Reader, readQuestionsH5 } from '../src/h5/index.js';

import { writeSampleQuestions } from './dataset-fixtures.js';

const reference = '/work/shared/clevr-reference';
const vocabPath = join(reference, 'vocab.seed.json');
const imagePath = join(reference, 'images', 'CLEVR_val_000013.png');
const present = existsSync(vocabPath) && existsSync(imagePath);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataset-ref-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!present)(`reference data (${reference}; skipped when absent)`, () => {
  it('encodes questions with the reference vocab.json exactly by its indices', async () => {
    const qjson = join(dir, 'q.json');
    await writeSampleQuestions(qjson, 12, 3);
    const res = await preprocessQuestions({
      inputQuestionsJson: qjson,
      inputVocabJson: vocabPath,
      outputH5File: join(dir, 'q.h5'),
    });
    expect(res.vocabSizes.programs).toBe(44);
    const vocab = vocabFromJson(await readFile(vocabPath, 'utf8'), vocabPath);
    const q = await readQuestionsH5(join(dir, 'q.h5'));
    const words = ['<START>', 'Is', 'there', 'a', 'red', 'sphere', '<END>'];
    expect(Array.from(q.questions.data.subarray(q.questions.cols, q.questions.cols + 7))).toEqual(
      words.map((w) => vocab.question_token_to_idx[w]),
    );
    const prog = ['<START>', 'exist', 'filter_shape[sphere]', 'filter_color[red]', 'scene', '<END>'];
    expect(Array.from(q.programs!.data.subarray(q.programs!.cols, q.programs!.cols + 6))).toEqual(
      prog.map((t) => vocab.program_token_to_idx[t]),
    );
  });

  it('extracts features of the real CLEVR image (480x320 RGBA PNG)', async () => {
    await initBackend({ prefer: 'cpu', log: null });
    const images = join(dir, 'images');
    await mkdir(images);
    await copyFile(imagePath, join(images, 'CLEVR_val_000013.png'));
    const img = await readPngFile(imagePath);
    expect([img.width, img.height]).toEqual([480, 320]);
    const out = join(dir, 'f.h5');
    await extractFeatures(
      { imageDir: images, outputH5: out, imageHeight: 224, imageWidth: 224 },
      rawPixelsExtractor({ height: 224, width: 224 }, { grid: 14 }),
    );
    const r = await FeaturesH5Reader.open(out);
    expect(r.shape).toEqual([1, 3, 14, 14]);
    const f = r.readRows([0]);
    r.close();
    // Average pooling keeps the image mean (bilinear resizing nearly does): compare per channel.
    for (let c = 0; c < 3; c++) {
      let pooled = 0;
      for (let k = 0; k < 196; k++) pooled += f[c * 196 + k];
      let full = 0;
      for (let p = 0; p < 480 * 320; p++) full += img.data[p * 3 + c];
      expect(pooled / 196).toBeCloseTo(full / (480 * 320), 2);
    }
  });
});
