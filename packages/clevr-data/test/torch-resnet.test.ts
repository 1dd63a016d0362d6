import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@mmnet/core-tensors';
import { loadTorchCheckpoint, stateDictTensors } from '@mmnet/torch-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extractFeatures,
  FeaturesH5Reader,
  loadTorchResNetExtractor,
  resizePilBicubic,
  TorchResNetTrunk,
  writePngFile,
} from '../src/index.js';

/**
 * Parity with PyTorch: ResNet-101's depth up to layer3 ([3, 4, 23] torchvision Bottleneck blocks) at a narrow
 * width, random weights and batch-norm statistics, saved by torch.save, run on two 480x320 images resized and
 * normalised as clevr-iep's extract_features.py does (scripts/make-resnet-fixture.py).
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const WEIGHTS = join(FIXTURES, 'resnet101-narrow.pt');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'resnet101-narrow.expected.json'), 'utf8')) as {
  images: number;
  image_size: [number, number];
  input: [number, number];
  resized_sha256: string;
  shape_nchw: [number, number, number, number];
};
const expectedFeatures = (() => {
  const bytes = readFileSync(join(FIXTURES, 'resnet101-narrow.features.f32'));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
})();

/** The fixture's images, 8-bit HWC: (37 i + 11 c + 7 y + 3 x + floor(x y / 8)) mod 256. */
function image(i: number, h: number, w: number): Uint8Array {
  const rgb = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        rgb[(y * w + x) * 3 + c] = (i * 37 + c * 11 + y * 7 + x * 3 + Math.floor((x * y) / 8)) % 256;
  return rgb;
}

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  dir = await mkdtemp(join(tmpdir(), 'torch-resnet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the resnet101 extractor (torchvision weights up to layer3)', () => {
  it("resizes as clevr-iep (PIL's bicubic on 8-bit images), byte for byte", () => {
    const [h, w] = expected.image_size;
    const [oh, ow] = expected.input;
    const hash = createHash('sha256');
    for (let i = 0; i < expected.images; i++) {
      const data = Float32Array.from(image(i, h, w), (v) => v / 255);
      const resized = resizePilBicubic({ width: w, height: h, data }, oh, ow);
      expect([resized.height, resized.width]).toEqual([oh, ow]);
      hash.update(Uint8Array.from(resized.data, (v) => Math.round(v * 255)));
    }
    expect(hash.digest('hex')).toBe(expected.resized_sha256);
  });

  it("extracts PyTorch's features from PNGs within 1e-3 relative, at ResNet-101's depth", async () => {
    const [h, w] = expected.image_size;
    const images = join(dir, 'images');
    mkdirSync(images);
    for (let i = 0; i < expected.images; i++)
      writePngFile(join(images, `CLEVR_val_${String(i).padStart(6, '0')}.png`), {
        width: w,
        height: h,
        rgb: image(i, h, w),
      });
    const [height, width] = expected.input;
    const extractor = await loadTorchResNetExtractor({ height, width }, WEIGHTS);
    const [n, c, fh, fw] = expected.shape_nchw;
    expect(extractor.name).toBe('resnet101-layer3');
    expect(extractor.outputShape).toEqual([fh, fw, c]);
    const before = tf.memory().numTensors;
    const out = join(dir, 'features.h5');
    await extractFeatures(
      { imageDir: images, outputH5: out, imageHeight: height, imageWidth: width, batchSize: 2 },
      extractor,
    );
    expect(tf.memory().numTensors).toBe(before);
    extractor.dispose?.();
    const reader = await FeaturesH5Reader.open(out);
    expect([...reader.shape]).toEqual([n, c, fh, fw]);
    const got = reader.readRows([0, 1]);
    reader.close();
    let scale = 0;
    for (const v of expectedFeatures) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    expectedFeatures.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(got[i] - v) / scale);
    });
    expect(worst).toBeLessThan(1e-3);
  });

  it('names the file, the key and both shapes of weights that do not fit', async () => {
    await expect(
      loadTorchResNetExtractor({ height: 32, width: 32 }, join(FIXTURES, 'missing.pt')),
    ).rejects.toThrow(/missing\.pt: cannot read the ResNet weights/);
    const notResnet = join(FIXTURES, 'vocab.seed.json');
    await expect(loadTorchResNetExtractor({ height: 32, width: 32 }, notResnet)).rejects.toThrow(
      /vocab\.seed\.json: not a PyTorch checkpoint/,
    );
    const state = () => stateDictTensors(loadTorchCheckpoint(readFileSync(WEIGHTS), WEIGHTS), 'r.pt');
    const swapped = state();
    swapped.set('layer3.5.conv1.weight', swapped.get('layer2.1.conv1.weight')!);
    expect(() => new TorchResNetTrunk(swapped, 'r.pt')).toThrow(
      "r.pt: 'layer3.5.conv1.weight' has shape [8,32,1,1], expected [8,64,1,1]",
    );
    const noDownsample = state();
    noDownsample.delete('layer2.0.downsample.0.weight');
    expect(() => new TorchResNetTrunk(noDownsample, 'r.pt')).toThrow(
      "r.pt: missing key 'layer2.0.downsample.0.weight' (expected shape [32,16,1,1]",
    );
    const trunk = new TorchResNetTrunk(state(), 'r.pt');
    expect(trunk.blocks).toEqual([3, 4, 23]);
    expect(trunk.channels).toBe(64);
    trunk.dispose();
  });
});
