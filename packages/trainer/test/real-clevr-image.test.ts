import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLORS, readImageFile, resizeForExtractor } from '@mmnet/clevr-data';
import { createBuiltinExtractor } from '@mmnet/clevr-synth';
import { initBackend, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'clevr');
const labels = JSON.parse(readFileSync(join(fixtures, 'CLEVR_val_000013.objects.json'), 'utf8')) as {
  objects: { color: string }[];
};

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
});

describe('a real CLEVR render (Blender, not the project renderer) through the built-in extractor', () => {
  it('finds the colour of every object labelled by eye, and no colour that is not there', async () => {
    const extractor = await createBuiltinExtractor();
    try {
      const { inputHeight: height, inputWidth: width } = extractor.metadata.config;
      const image = resizeForExtractor(
        await readImageFile(join(fixtures, 'CLEVR_val_000013.png')),
        height,
        width,
      );
      const features = tf.tidy(() => extractor.extract(tf.tensor4d(image.data, [1, height, width, 3])));
      const data = features.dataSync();
      features.dispose();
      const [h, w, c] = extractor.outputShape;
      // The highest p(colour) over the cells, per colour (p(object) x p(colour | object)).
      const seen = new Set<string>();
      for (const color of COLORS) {
        const channel = extractor.channels.indexOf(`p(color:${color})`);
        expect(channel, color).toBeGreaterThanOrEqual(0);
        let best = 0;
        for (let cell = 0; cell < h * w; cell++) best = Math.max(best, data[cell * c + channel]);
        if (best > 0.5) seen.add(color);
      }
      expect([...seen].sort()).toEqual([...new Set(labels.objects.map((o) => o.color))].sort());
    } finally {
      extractor.dispose?.();
    }
  });
});
