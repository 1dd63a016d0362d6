import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegisteredExtractor } from '@mmnet/clevr-data';
import { initBackend, tf } from '@mmnet/core-tensors';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModelExtractor, registerExtractors } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  dir = await mkdtemp(join(tmpdir(), 'tfjs-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Saves a tfjs model as model.json + weights.bin (the tfjs on-disk format) with a save handler. */
async function saveToDir(model: tfl.LayersModel, out: string): Promise<string> {
  await mkdir(out, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await writeFile(join(out, 'weights.bin'), weights);
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(out, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(out, 'model.json');
}

describe('tfjs model extractors', () => {
  it('a layers model from disk, cut at a named layer', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [16, 16, 3],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          name: 'c1',
        }),
        tfl.layers.conv2d({
          filters: 6,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          name: 'c2',
          activation: 'relu',
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const path = await saveToDir(model, join(dir, 'layers-model'));
    const ex = await loadTfjsModelExtractor(
      { height: 16, width: 16 },
      { modelPath: path, outputNode: 'c2', normalization: 'unit' },
    );
    expect(ex.outputShape).toEqual([4, 4, 6]);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const got = ex.extract(x);
    const cut = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('c2').output as tfl.SymbolicTensor,
    });
    const want = cut.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([2, 4, 4, 6]);
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    await expect(
      loadTfjsModelExtractor({ height: 16, width: 16 }, { modelPath: path, outputNode: 'nope' }),
    ).rejects.toThrow(/model\.json: no layer named "nope" \(layers: c1, c2, /);
    await expect(loadTfjsModelExtractor({ height: 16, width: 16 }, { modelPath: path })).rejects.toThrow(
      /output has shape \[1,2\], expected 4-D/,
    );
    ex.dispose?.();
    model.dispose();
    tf.dispose([x, got, want]);
  });

  it('a graph model from disk (Placeholder -> Conv2D -> Relu), output node by name', async () => {
    const out = join(dir, 'graph-model');
    await mkdir(out, { recursive: true });
    const w = Float32Array.from({ length: 3 * 2 }, (_, i) => (i % 2 === 0 ? 1 : -0.5) * (i + 1) * 0.1);
    await writeFile(join(out, 'w.bin'), new Uint8Array(w.buffer));
    const str = (s: string) => Buffer.from(s).toString('base64');
    const modelJson = {
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'test',
      modelTopology: {
        node: [
          {
            name: 'image',
            op: 'Placeholder',
            attr: {
              dtype: { type: 'DT_FLOAT' },
              shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } },
            },
          },
          {
            name: 'kernel',
            op: 'Const',
            attr: {
              value: {
                tensor: {
                  dtype: 'DT_FLOAT',
                  tensorShape: { dim: [{ size: '1' }, { size: '1' }, { size: '3' }, { size: '2' }] },
                },
              },
              dtype: { type: 'DT_FLOAT' },
            },
          },
          {
            name: 'conv',
            op: 'Conv2D',
            input: ['image', 'kernel'],
            attr: {
              T: { type: 'DT_FLOAT' },
              strides: { list: { i: ['1', '2', '2', '1'] } },
              padding: { s: str('VALID') },
              data_format: { s: str('NHWC') },
              dilations: { list: { i: ['1', '1', '1', '1'] } },
            },
          },
          { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [
        { paths: ['w.bin'], weights: [{ name: 'kernel', shape: [1, 1, 3, 2], dtype: 'float32' }] },
      ],
    };
    await writeFile(join(out, 'model.json'), JSON.stringify(modelJson));
    const ex = await loadTfjsModelExtractor(
      { height: 8, width: 8 },
      { modelPath: join(out, 'model.json'), outputNode: 'conv', normalization: 'unit' },
    );
    expect(ex.outputShape).toEqual([4, 4, 2]);
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const got = ex.extract(x);
    const want = tf.conv2d(x, tf.tensor4d(w, [1, 1, 3, 2]), 2, 'valid');
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    const relu = await loadTfjsModelExtractor(
      { height: 8, width: 8 },
      { modelPath: join(out, 'model.json') },
    );
    expect(relu.name).toBe('tfjs:graph-model:imagenet');
    expect(tf.min(relu.extract(x)).dataSync()[0]).toBeGreaterThanOrEqual(0);
    await expect(
      loadTfjsModelExtractor({ height: 8, width: 8 }, { modelPath: join(out, 'missing.json') }),
    ).rejects.toThrow(/missing\.json: cannot read a tfjs model\.json/);
  });
});

describe('registerExtractors', () => {
  it('registers tfjs-model and builtin with clevr-data, which extract-features creates by name', async () => {
    registerExtractors();
    const model = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 1, name: 'c' })],
    });
    const path = await saveToDir(model, join(dir, 'registered'));
    const ex = await createRegisteredExtractor(
      'tfjs-model',
      { height: 8, width: 8 },
      { modelPath: path, normalization: 'unit' },
    );
    expect(ex.name).toBe('tfjs:registered:unit');
    expect(ex.outputShape).toEqual([8, 8, 2]);
    ex.dispose?.();
    model.dispose();
    await expect(createRegisteredExtractor('tfjs-model', { height: 8, width: 8 })).rejects.toThrow(
      /the tfjs-model extractor needs a model path/,
    );
    const builtin = await createRegisteredExtractor('builtin', { height: 224, width: 224 });
    expect(builtin.name).toMatch(/^builtin-v1-/);
    expect(builtin.outputShape).toEqual([14, 14, 34]);
    builtin.dispose?.();
    await expect(
      createRegisteredExtractor(
        'builtin',
        { height: 224, width: 224 },
        { modelPath: join(dir, 'none.safetensors') },
      ),
    ).rejects.toThrow(/none\.safetensors: cannot read weights \(ENOENT\)/);
  });
});
