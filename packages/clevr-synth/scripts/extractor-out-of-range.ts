/**
 * How well the built-in extractor sees scenes rendered outside the training ranges: its per-cell pretext
 * accuracy (object vs ground over all cells; colour, shape, material and size over the cells showing an object,
 * labels from the renderer's object ids) on in-range scenes and on each out-of-range variant. One JSON line per
 * set on stdout.
 *
 *   npx tsx scripts/extractor-out-of-range.ts [--scenes 50] [--variants camera,lighting]
 */
import { parseArgs } from 'node:util';
import { resizeForExtractor } from '@mmnet/clevr-data';
import { initBackend, tf } from '@mmnet/core-tensors';
import {
  ATTRIBUTE_GROUPS,
  attributeClassTargets,
  createBuiltinExtractor,
  generateScene,
  labelMapsFromObjectIds,
  OUT_OF_RANGE_VARIANTS,
  type OutOfRangeVariant,
  outOfRangeVariantNames,
  PretextAccuracy,
  renderScene,
} from '../src/index.js';

const { values } = parseArgs({
  options: { scenes: { type: 'string', default: '50' }, variants: { type: 'string' } },
});
const scenes = Number(values.scenes);
const names = values.variants ? values.variants.split(',') : outOfRangeVariantNames();

/** In range: CLEVR's sampler and the default look at 480x320, the held-out seed of the extractor's training. */
const IN_RANGE: OutOfRangeVariant = {
  name: 'in-range',
  description: 'the training ranges',
  width: 480,
  height: 320,
  sampler: {},
  seed: 8,
};

await initBackend({ log: null });
const extractor = await createBuiltinExtractor();
const { inputHeight, inputWidth } = extractor.metadata.config;
const [gh, gw, channels] = extractor.outputShape;
const background = extractor.channels.indexOf('p(background)');

/** Per-cell classes from the features (argmax of p(object and value) per group; `none` on the ground). */
function classesFromFeatures(features: Float32Array): Int32Array {
  const out = new Int32Array(gh * gw * ATTRIBUTE_GROUPS.length);
  for (let cell = 0; cell < gh * gw; cell++) {
    const object = features[cell * channels + background] < 0.5;
    let offset = 0;
    ATTRIBUTE_GROUPS.forEach((group, g) => {
      const n = group.classes.length - 1;
      let best = 0;
      for (let k = 1; k < n; k++)
        if (features[cell * channels + offset + k] > features[cell * channels + offset + best]) best = k;
      out[cell * ATTRIBUTE_GROUPS.length + g] = object ? best : n;
      offset += n;
    });
  }
  return out;
}

for (const variant of [IN_RANGE, ...names.map((n) => OUT_OF_RANGE_VARIANTS[n])]) {
  if (!variant) throw new Error(`unknown variant (variants: ${outOfRangeVariantNames().join(', ')})`);
  const started = performance.now();
  const accuracy = new PretextAccuracy();
  const { width, height } = variant;
  for (let index = 0; index < scenes; index++) {
    const { synthetic } = generateScene({
      seed: variant.seed,
      index,
      split: 'val',
      width,
      height,
      sampler: variant.sampler,
    });
    const image = renderScene(synthetic, { width, height, style: variant.style });
    const float = { width, height, data: Float32Array.from(image.rgb, (v) => v / 255) };
    const resized = resizeForExtractor(float, inputHeight, inputWidth);
    const features = tf.tidy(() =>
      extractor.extract(tf.tensor4d(resized.data, [1, inputHeight, inputWidth, 3])).dataSync(),
    ) as Float32Array;
    const maps = labelMapsFromObjectIds(synthetic.objects, image.objectIds, width, height, {
      gridWidth: gw,
      gridHeight: gh,
      mode: 'majority',
    });
    accuracy.add(classesFromFeatures(features), attributeClassTargets(maps));
  }
  const summary = Object.fromEntries(
    Object.entries(accuracy.summary()).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toFixed(4))]),
  );
  console.log(
    JSON.stringify({
      set: variant.name,
      scenes,
      ...summary,
      seconds: Math.round((performance.now() - started) / 1000),
    }),
  );
}
extractor.dispose?.();
