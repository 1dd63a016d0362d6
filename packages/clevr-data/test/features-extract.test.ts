import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodePngFloat,
  ExtractionAbortedError,
  extractFeatures,
  type FeatureExtractor,
  rawPixelsExtractor,
  resizeBilinear,
  resizeForExtractor,
} from '../src/features/index.js';
import { FeaturesH5Reader, partialPathFor } from '../src/h5/index.js';
import { tinyPng } from './download-fixtures.js';

let dir: string;
let images: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  dir = await mkdtemp(join(tmpdir(), 'features-'));
  images = join(dir, 'images');
  await mkdir(images);
  for (let i = 0; i < 5; i++) {
    await writeFile(join(images, `CLEVR_val_${String(i).padStart(6, '0')}.png`), tinyPng(12, 8, i));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const r = await FeaturesH5Reader.open(path);
  const data = r.readRows(Array.from({ length: r.rows }, (_, i) => i));
  const shape = [...r.shape];
  r.close();
  return { shape, data };
}

describe('image decoding and resizing', () => {
  it('bilinear resize matches tf.image.resizeBilinear with half-pixel centres', () => {
    const img = decodePngFloat(tinyPng(12, 8, 3), 'x.png');
    const ours = resizeBilinear(img, 20, 7);
    const ref = tf.tidy(
      () =>
        tf.image
          .resizeBilinear(tf.tensor3d(img.data, [8, 12, 3]), [20, 7], false, true)
          .dataSync() as Float32Array,
    );
    expect(ours.data.length).toBe(ref.length);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.data[i] - ref[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('an image that fails to decode is an error naming the file', async () => {
    const bad = join(dir, 'bad-images');
    await mkdir(bad);
    await writeFile(join(bad, 'CLEVR_val_000000.png'), tinyPng(4, 4, 1));
    await writeFile(join(bad, 'CLEVR_val_000001.png'), tinyPng(4, 4, 2).subarray(0, 40));
    const out = join(dir, 'bad.h5');
    await expect(
      extractFeatures(
        { imageDir: bad, outputH5: out, imageHeight: 14, imageWidth: 14 },
        rawPixelsExtractor({ height: 14, width: 14 }),
      ),
    ).rejects.toThrow(/CLEVR_val_000001\.png: cannot decode PNG: not a readable PNG/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('extractFeatures', () => {
  it('raw pixels: average-pooled RGB plus position channels, stored [N, C, H, W]', async () => {
    const out = join(dir, 'raw.h5');
    const extractor = rawPixelsExtractor({ height: 28, width: 28 }, { grid: 14, positionChannels: true });
    expect(extractor.outputShape).toEqual([14, 14, 5]);
    const res = await extractFeatures(
      { imageDir: images, outputH5: out, imageHeight: 28, imageWidth: 28 },
      extractor,
    );
    expect(res.shape).toEqual([5, 5, 14, 14]);
    const { shape, data } = await readAll(out);
    expect(shape).toEqual([5, 5, 14, 14]);
    // image 2, channel 1 (green), cell (y=3, x=5): mean of the 2x2 block of the resized image
    const img = resizeBilinear(decodePngFloat(tinyPng(12, 8, 2), 'x.png'), 28, 28);
    let sum = 0;
    for (const [dy, dx] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      sum += img.data[((6 + dy) * 28 + 10 + dx) * 3 + 1];
    const row = 2 * 5 * 196;
    expect(data[row + 1 * 196 + 3 * 14 + 5]).toBeCloseTo(sum / 4, 5);
    expect(data[row + 3 * 196 + 3 * 14 + 0]).toBeCloseTo(-1, 6); // x channel at x=0
    expect(data[row + 4 * 196 + 13 * 14 + 0]).toBeCloseTo(1, 6); // y channel at y=13
  });

  it('resizes a large image as mmnet predict does (blocks averaged first, then bilinear)', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    // 120x90 to 14x14: at least 4x in both directions, so 4x4 blocks are averaged before the bilinear resize.
    await writeFile(join(big, 'CLEVR_val_000000.png'), tinyPng(120, 90, 3));
    const extractor = rawPixelsExtractor({ height: 14, width: 14 }, { grid: 14 });
    const out = join(dir, 'big.h5');
    await extractFeatures({ imageDir: big, outputH5: out, imageHeight: 14, imageWidth: 14 }, extractor);
    const { data } = await readAll(out);
    const image = decodePngFloat(tinyPng(120, 90, 3), 'big.png');
    const expected = resizeForExtractor(image, 14, 14).data;
    const plain = resizeBilinear(image, 14, 14).data;
    let differsFromPlain = false;
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 196; i++) {
        expect(data[c * 196 + i]).toBeCloseTo(expected[i * 3 + c], 5);
        if (Math.abs(plain[i * 3 + c] - expected[i * 3 + c]) > 1e-3) differsFromPlain = true;
      }
    expect(differsFromPlain).toBe(true); // the two resizes differ on this image: the test tells them apart
  });

  it('resumes after an interruption and gives the same file as an uninterrupted run', async () => {
    const extractor = rawPixelsExtractor({ height: 14, width: 14 }, { grid: 7 });
    const whole = join(dir, 'whole.h5');
    await extractFeatures(
      { imageDir: images, outputH5: whole, imageHeight: 14, imageWidth: 14, batchSize: 2 },
      extractor,
    );

    const out = join(dir, 'resumed.h5');
    const abort = new AbortController();
    const seen: number[] = [];
    const first = extractFeatures(
      { imageDir: images, outputH5: out, imageHeight: 14, imageWidth: 14, batchSize: 2 },
      extractor,
      {
        signal: abort.signal,
        onProgress: (p) => {
          seen.push(p.done);
          abort.abort();
        },
      },
    );
    await expect(first).rejects.toBeInstanceOf(ExtractionAbortedError);
    expect(seen).toEqual([2]);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partialPathFor(out))).toBe(true);

    // a resume with other settings is refused
    await expect(
      extractFeatures(
        { imageDir: images, outputH5: out, imageHeight: 28, imageWidth: 28, batchSize: 2 },
        rawPixelsExtractor({ height: 28, width: 28 }, { grid: 7 }),
      ),
    ).rejects.toThrow(/cannot resume: it was started with image_size=14x14/);

    const progress: number[] = [];
    const res = await extractFeatures(
      { imageDir: images, outputH5: out, imageHeight: 14, imageWidth: 14, batchSize: 2 },
      extractor,
      { onProgress: (p) => progress.push(p.done) },
    );
    expect(res.resumedFrom).toBe(2);
    expect(progress).toEqual([4, 5]);
    expect(existsSync(partialPathFor(out))).toBe(false);
    const a = await readAll(whole);
    const b = await readAll(out);
    expect(b.shape).toEqual([5, 3, 7, 7]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('maxImages limits the rows and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const res = await extractFeatures(
      { imageDir: images, outputH5: join(dir, 'max.h5'), imageHeight: 14, imageWidth: 14, maxImages: 3 },
      rawPixelsExtractor({ height: 14, width: 14 }, { grid: 7, positionChannels: true }),
    );
    expect(res.images).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an extractor whose output does not match its declared shape', async () => {
    const liar: FeatureExtractor = {
      name: 'liar',
      outputShape: [2, 2, 3],
      extract: (b) => tf.avgPool(b, 7, 7, 'valid'),
    };
    await expect(
      extractFeatures(
        { imageDir: images, outputH5: join(dir, 'liar.h5'), imageHeight: 7, imageWidth: 7 },
        liar,
      ),
    ).rejects.toThrow(/extractor "liar" returned shape \[5,1,1,3\], expected \[5,2,2,3\]/);
  });
});
