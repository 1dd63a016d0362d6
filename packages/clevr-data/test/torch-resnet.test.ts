import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTorchResNetExtractor } from '../src/index.js';

/**
 * Parity with PyTorch: a tiny torchvision-layout ResNet with random weights and batch-norm statistics, saved by
 * torch.save and run up to layer3 (scripts/make-resnet-fixture.py), on images both sides compute from a formula.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'tiny-resnet.expected.json'), 'utf8')) as {
  input: [number, number, number];
  shape_nchw: [number, number, number, number];
  features_nchw: number[];
};

/** The fixture's images, NHWC in [0, 1]: ((37 i + 11 c + 7 y + 3 x + x y) mod 256) / 255. */
function images(n: number, h: number, w: number): tf.Tensor4D {
  const data = new Float32Array(n * h * w * 3);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++)
          data[((i * h + y) * w + x) * 3 + c] = ((i * 37 + c * 11 + y * 7 + x * 3 + x * y) % 256) / 255;
  return tf.tensor4d(data, [n, h, w, 3]);
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
});

describe('the resnet101 extractor (torchvision weights up to layer3)', () => {
  it("gives PyTorch's features within 1e-3 relative", async () => {
    const [n, h, w] = expected.input;
    const extractor = await loadTorchResNetExtractor(
      { height: h, width: w },
      join(FIXTURES, 'tiny-resnet.pt'),
    );
    const [, c, oh, ow] = expected.shape_nchw;
    expect(extractor.outputShape).toEqual([oh, ow, c]);
    expect(extractor.name).toBe('resnet-1-1-2-layer3');
    const x = images(n, h, w);
    const before = tf.memory().numTensors;
    const out = extractor.extract(x);
    expect(out.shape).toEqual([n, oh, ow, c]);
    const nchw = tf.tidy(() => tf.transpose(out, [0, 3, 1, 2]).dataSync());
    let scale = 0;
    for (const v of expected.features_nchw) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    expected.features_nchw.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(nchw[i] - v) / scale);
    });
    expect(worst).toBeLessThan(1e-3);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    extractor.dispose?.();
  });

  it('names the file and the key of weights that are not a torchvision ResNet', async () => {
    await expect(
      loadTorchResNetExtractor({ height: 32, width: 32 }, join(FIXTURES, 'missing.pt')),
    ).rejects.toThrow(/missing\.pt: cannot read the ResNet weights/);
    const notResnet = join(FIXTURES, 'vocab.seed.json');
    await expect(loadTorchResNetExtractor({ height: 32, width: 32 }, notResnet)).rejects.toThrow(
      /vocab\.seed\.json: not a PyTorch checkpoint/,
    );
  });
});
