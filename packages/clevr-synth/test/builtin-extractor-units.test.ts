import { createRng, initBackend, ParameterStore, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_CHANNELS,
  ATTRIBUTE_LOGITS,
  assemblePretextBatch,
  attributeClassTargets,
  BuiltinCnn,
  builtinCnnConfigSchema,
  builtinCnnGrid,
  builtinFeatures,
  GROUP_OFFSETS,
  LABEL_MAP_CHANNELS,
  labelMapsFromObjectIds,
  mergePatches,
  PretextAccuracy,
  predictedClasses,
  pretextLoss,
} from '../src/index.js';
import { obj } from './helpers/objects.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
});

// A tiny network for fast tests: 16x16 input, 4x4 grid.
const tinyConfig = builtinCnnConfigSchema.parse({
  inputHeight: 16,
  inputWidth: 16,
  stages: [
    { patch: 2, channels: 8, convs: 1 },
    { patch: 2, channels: 8, convs: 0 },
  ],
  embeddingChannels: 4,
});

describe('built-in extractor pieces', () => {
  it("has 16 logits (objectness + 15 attribute values) and the label maps' 16 probability channels", () => {
    expect(ATTRIBUTE_LOGITS).toBe(16);
    expect(GROUP_OFFSETS).toEqual([1, 9, 12, 14]);
    expect(ATTRIBUTE_CHANNELS).toEqual(LABEL_MAP_CHANNELS);
    expect(builtinCnnGrid(builtinCnnConfigSchema.parse({}))).toEqual({ height: 14, width: 14 });
    expect(() => builtinCnnGrid({ ...tinyConfig, inputHeight: 18 })).toThrow(/not divisible/);
  });

  it('merges k x k patches into channels (space-to-depth) in row, column, channel order', () => {
    const x = tf.tensor4d(
      Array.from({ length: 4 * 4 * 2 }, (_, i) => i),
      [1, 4, 4, 2],
    );
    const y = mergePatches(x, 2);
    expect(y.shape).toEqual([1, 2, 2, 8]);
    const v = y.arraySync()[0];
    // Cell (0, 1) holds pixels (0,2), (0,3), (1,2), (1,3), two channels each.
    const at = (r: number, c: number, ch: number) => (r * 4 + c) * 2 + ch;
    expect(v[0][1]).toEqual([
      at(0, 2, 0),
      at(0, 2, 1),
      at(0, 3, 0),
      at(0, 3, 1),
      at(1, 2, 0),
      at(1, 2, 1),
      at(1, 3, 0),
      at(1, 3, 1),
    ]);
    tf.dispose([x, y]);
  });

  it('turns majority label maps into per-cell class indices (none on ground)', () => {
    // biome-ignore format: a picture of the buffer
    const ids = Int16Array.from([
      0, 0, -1, -1,
      0, 0, -1, -1,
      1, 1, -1, -1,
      1, 1, -1, -1,
    ]);
    const maps = labelMapsFromObjectIds([obj('red', 'cube'), obj('cyan', 'cylinder')], ids, 4, 4, {
      gridWidth: 2,
      gridHeight: 2,
    });
    const t = attributeClassTargets(maps);
    // cells: (0,0) red metal small cube; (0,1) ground; (1,0) cyan cylinder; (1,1) ground.
    expect(Array.from(t)).toEqual([1, 0, 1, 1, 8, 3, 2, 2, 6, 2, 1, 1, 8, 3, 2, 2]);
  });

  it('mirrors image and label grid together when flipping a batch', () => {
    const sample = {
      pixels: Uint8Array.from({ length: 2 * 4 * 3 }, (_, i) => i),
      targets: Int32Array.from([0, 0, 0, 0, 8, 3, 2, 2]), // 1x2 grid: object left, ground right
      objects: 1,
    };
    const b = assemblePretextBatch([sample, sample], { height: 2, width: 4 }, { height: 1, width: 2 }, [
      false,
      true,
    ]);
    expect(b.size).toBe(2);
    expect(Array.from(b.targets.subarray(8))).toEqual([8, 3, 2, 2, 0, 0, 0, 0]);
    // Row 0 of the flipped image starts with the original last pixel (index 3).
    expect(b.pixels[24] * 255).toBeCloseTo(9);
    expect(b.pixels[0]).toBe(0);
    expect(() => assemblePretextBatch([sample], { height: 3, width: 4 }, { height: 1, width: 2 })).toThrow(
      /sample 0/,
    );
  });

  it('learns the pretext task on a tiny network (loss falls, accuracy counts agree)', () => {
    const store = new ParameterStore(createRng(3));
    const net = new BuiltinCnn(store.scope('cnn'), tinyConfig);
    // Two synthetic images: a red left half / a blue right half, with matching 4x4 targets.
    const pixels = new Float32Array(2 * 16 * 16 * 3);
    const targets = new Int32Array(2 * 16 * 4);
    for (let i = 0; i < 2; i++) {
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          const lit = i === 0 ? x < 8 : x >= 8;
          const o = ((i * 16 + y) * 16 + x) * 3;
          pixels.set(lit ? (i === 0 ? [0.7, 0.1, 0.1] : [0.1, 0.2, 0.8]) : [0.4, 0.4, 0.4], o);
        }
      }
      for (let cell = 0; cell < 16; cell++) {
        const lit = i === 0 ? cell % 4 < 2 : cell % 4 >= 2;
        targets.set(lit ? [i === 0 ? 1 : 2, 0, 1, 0] : [8, 3, 2, 2], (i * 16 + cell) * 4);
      }
    }
    const x = tf.tensor4d(pixels, [2, 16, 16, 3]);
    const t = tf.tensor1d(targets, 'int32');
    const optimizer = tf.train.adam(0.02);
    const lossAt = () => tf.tidy(() => pretextLoss(net.apply(x).logits, t, 2).dataSync()[0]);
    const before = lossAt();
    let tensors = 0;
    for (let step = 0; step < 60; step++) {
      tf.dispose(optimizer.minimize(() => pretextLoss(net.apply(x).logits, t, 2), true) as tf.Scalar);
      if (step === 0) tensors = tf.memory().numTensors; // after Adam created its moments
    }
    expect(tf.memory().numTensors).toBe(tensors);
    const after = lossAt();
    expect(after).toBeLessThan(before * 0.3);
    const out = net.apply(x);
    const acc = new PretextAccuracy();
    acc.add(predictedClasses(out.logits), targets);
    const summary = acc.summary();
    expect(summary.objectness).toBeGreaterThan(0.9);
    expect(summary.color).toBeGreaterThan(0.9);
    expect(summary.objectCells).toBe(16);
    const features = builtinFeatures(out, new Float32Array(4).fill(2));
    expect(features.shape).toEqual([2, 4, 4, 16 + 4 + 2]);
    const f = features.arraySync();
    // p(object and colour c) summed over colours + p(background) = 1, and the same for the sizes.
    const cell = f[0][1][2];
    expect(cell.slice(0, 8).reduce((a, b) => a + b, 0) + cell[15]).toBeCloseTo(1, 5);
    expect(cell[13] + cell[14] + cell[15]).toBeCloseTo(1, 5);
    expect(f[1][3][0].slice(20)).toEqual([-1, 1]); // x, y of the bottom-left cell
    tf.dispose([x, t, out.logits, out.embedding, features]);
    store.dispose();
  });

  it('counts accuracy over object cells and objectness over all cells', () => {
    const acc = new PretextAccuracy();
    // cell 0: object, all right; cell 1: object, predicted none; cell 2: ground, predicted ground.
    acc.add(
      Int32Array.from([1, 0, 1, 1, 8, 3, 2, 2, 8, 3, 2, 2]),
      Int32Array.from([1, 0, 1, 1, 2, 1, 0, 0, 8, 3, 2, 2]),
    );
    const s = acc.summary();
    expect(s.objectness).toBeCloseTo(2 / 3);
    expect(s.color).toBeCloseTo(0.5);
    expect(s.objectCells).toBe(2);
    expect(() => acc.add(new Int32Array(4), new Int32Array(8))).toThrow(/4 predictions for 8/);
  });
});
