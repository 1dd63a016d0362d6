/**
 * Built-in extractor throughput: prints JSON lines with images per second of the CNN alone (224x224
 * batches already in memory) and of PNG decoding + resizing of 480x320 CLEVR-sized images (what
 * extract-features adds per image), by wall time and by this process's CPU time.
 *
 *   npx tsx bench/builtin-extractor.ts [--batches 4] [--batch 32]
 */

import { decodePngFloat, encodePng, resizeBilinear } from '@mmnet/clevr-data';
import { initBackend, tf } from '@mmnet/core-tensors';
import { createBuiltinExtractor, generateScene, renderScene } from '../src/index.js';

function arg(name: string, fallback: string): string {
  const k = process.argv.indexOf(name);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1] : fallback;
}
const batches = Number(arg('--batches', '4'));
const batchSize = Number(arg('--batch', '32'));
if (!Number.isInteger(batches) || batches < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
  throw new Error('bench/builtin-extractor: --batches and --batch must be positive integers');
}

const backend = await initBackend({ log: null });
const extractor = await createBuiltinExtractor();
const [h, w] = [extractor.metadata.config.inputHeight, extractor.metadata.config.inputWidth];

// 8 distinct scenes, PNG-encoded at 480x320, repeated to fill a batch.
const pngs = Array.from({ length: 8 }, (_, index) => {
  const { synthetic } = generateScene({ seed: 99, index, split: 'bench' });
  return encodePng(renderScene(synthetic, { width: 480, height: 320 }));
});

const cpu0 = process.cpuUsage();
let t0 = performance.now();
const pixels = new Float32Array(batchSize * h * w * 3);
for (let i = 0; i < batchSize; i++) {
  const img = decodePngFloat(pngs[i % pngs.length], `bench-${i}.png`);
  pixels.set(resizeBilinear(img, h, w).data, i * h * w * 3);
}
const decodeWall = (performance.now() - t0) / 1000;
const decodeCpu = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6;
console.log(
  JSON.stringify({
    bench: 'png-decode-resize',
    size: '480x320->224x224',
    imagesPerSecond: Number((batchSize / decodeWall).toFixed(1)),
    imagesPerCpuSecond: Number((batchSize / decodeCpu).toFixed(1)),
  }),
);

const input = tf.tensor4d(pixels, [batchSize, h, w, 3]);
tf.dispose(extractor.extract(input)); // warm-up
const cpu1 = process.cpuUsage();
t0 = performance.now();
for (let b = 0; b < batches; b++) {
  const out = extractor.extract(input);
  await out.data();
  out.dispose();
}
const wall = (performance.now() - t0) / 1000;
const cpu = (process.cpuUsage(cpu1).user + process.cpuUsage(cpu1).system) / 1e6;
console.log(
  JSON.stringify({
    bench: 'builtin-extractor',
    backend: backend.name,
    input: `${h}x${w}`,
    output: extractor.outputShape,
    batch: batchSize,
    imagesPerSecond: Number(((batches * batchSize) / wall).toFixed(1)),
    imagesPerCpuSecond: Number(((batches * batchSize) / cpu).toFixed(1)),
  }),
);
input.dispose();
extractor.dispose();
