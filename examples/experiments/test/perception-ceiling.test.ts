import { COLORS, MATERIALS, type Question, type Scene, SHAPES, SIZES } from '@mmnet/clevr-data';
import { createRng } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import {
  pooledFeatures,
  probeClass,
  probeReader,
  trainAttributeProbes,
  trainLinearProbe,
} from '../src/attribute-probe.js';
import { cellOf, type FeatureMap, perceivedScene, perceptionCeiling } from '../src/perception-ceiling.js';

// Two objects on a 100x100 image read on a 2x2 grid: the red cube at the top left cell, the blue sphere at the
// bottom right one.
const object = (color: string, shape: string, x: number, y: number) => ({
  color,
  shape,
  material: 'rubber',
  size: 'large',
  '3d_coords': [x / 10, y / 10, 0.7] as const,
  rotation: 0,
  pixel_coords: [x, y, 10] as const,
});
const scene: Scene = {
  split: 'test',
  image_index: 0,
  image_filename: 'CLEVR_test_000000.png',
  objects: [object('red', 'cube', 25, 25), object('blue', 'sphere', 75, 75)],
  relationships: { left: [[], [0]], right: [[1], []], front: [[1], []], behind: [[], [0]] },
};
const image = { width: 100, height: 100 };

/** Label-map channels that show each object's attributes (one-hot) at the given cell of a 2x2 grid. */
function labelMaps(objects: { color: string; shape: string; cell: number; p?: number }[]): FeatureMap {
  const channels = COLORS.length + SHAPES.length + MATERIALS.length + SIZES.length + 1;
  const data = new Float32Array(channels * 4);
  const offsets = [0, COLORS.length, COLORS.length + SHAPES.length, channels - 1 - SIZES.length];
  for (const o of objects) {
    const values = [
      COLORS.indexOf(o.color as never),
      SHAPES.indexOf(o.shape as never),
      MATERIALS.indexOf('rubber'),
      SIZES.indexOf('large'),
    ];
    values.forEach((v, a) => {
      data[(offsets[a] + v) * 4 + o.cell] = o.p ?? 0.9;
    });
  }
  return { data, channels, height: 2, width: 2 };
}

const step = (fn: string, inputs: number[], values: string[] = []) => ({
  function: fn,
  inputs,
  value_inputs: values,
});
// "What colour is the cube?" (a zero-hop template) and "Is there a sphere?" (also zero-hop).
const questions: Question[] = [
  {
    question: 'What color is the cube?',
    image_index: 0,
    answer: 'red',
    question_family_index: 89,
    program: [
      step('scene', []),
      step('filter_shape', [0], ['cube']),
      step('unique', [1]),
      step('query_color', [2]),
    ],
  },
  {
    question: 'Is there a sphere?',
    image_index: 0,
    answer: 'yes',
    question_family_index: 89,
    program: [step('scene', []), step('filter_shape', [0], ['sphere']), step('exist', [1])],
  },
];

describe('perception ceiling', () => {
  it('maps image points to grid cells, clamped', () => {
    expect(cellOf(25, 75, image, { width: 2, height: 2 })).toEqual({ row: 1, col: 0 });
    expect(cellOf(100, -3, image, { width: 2, height: 2 })).toEqual({ row: 0, col: 1 });
  });

  it('answers every question when the label maps show the true attributes', () => {
    const maps = labelMaps([
      { color: 'red', shape: 'cube', cell: 0 },
      { color: 'blue', shape: 'sphere', cell: 3 },
    ]);
    const r = perceptionCeiling(questions, [scene], () => maps, image);
    expect(r.accuracy).toBe(1);
    expect(r.objectAccuracy).toEqual({ color: 1, shape: 1, material: 1, size: 1 });
    expect(r.objects).toBe(2);
    expect(r.perFamily.zero_hop).toBe(1);
  });

  it('misses the questions a misread attribute changes, and reads an object at its own cells', () => {
    // The sphere's centre cell shows a cylinder: "Is there a sphere?" becomes no.
    const misread = labelMaps([
      { color: 'red', shape: 'cube', cell: 0 },
      { color: 'blue', shape: 'cylinder', cell: 3, p: 0.6 },
      { color: 'blue', shape: 'sphere', cell: 2 },
    ]);
    const centre = perceptionCeiling(questions, [scene], () => misread, image);
    expect(centre.accuracy).toBe(0.5);
    expect(centre.objectAccuracy.shape).toBe(0.5);
    // Read over cells 2 and 3 (sphere 0.9 against cylinder 0.6), the sphere is a sphere again.
    const covered = perceptionCeiling(questions, [scene], () => misread, image, {
      objectCellsOf: () => (k) => (k === 1 ? [2, 3] : []),
    });
    expect(covered.accuracy).toBe(1);
    expect([centre.objectsReadAtCentre, covered.objectsReadAtCentre]).toEqual([2, 1]);
    // With the true shapes the misread sphere no longer matters; with the true colours it still does.
    expect(
      perceptionCeiling(questions, [scene], () => misread, image, { trueAttributes: ['shape'] }).accuracy,
    ).toBe(1);
    expect(
      perceptionCeiling(questions, [scene], () => misread, image, { trueAttributes: ['color'] }).accuracy,
    ).toBe(0.5);
    expect(perceivedScene(scene, misread, image).objects[1].shape).toBe('cylinder');
  });

  it('names a question without a program and an image without a scene', () => {
    const maps = labelMaps([]);
    expect(() =>
      perceptionCeiling([{ question: 'q', image_index: 0, answer: 'yes' }], [scene], () => maps, image),
    ).toThrow(/question 0 needs a program/);
    expect(() =>
      perceptionCeiling([{ ...questions[0], image_index: 4 }], [scene], () => maps, image),
    ).toThrow(/no scene for image_index 4/);
  });
});

describe('attribute probes', () => {
  it('pools the mean and the max of every channel over the cells', () => {
    const map = { data: Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]), channels: 2, height: 2, width: 2 };
    expect([...pooledFeatures(map, [1, 3])]).toEqual([3, 30, 4, 40]);
    expect(() => pooledFeatures(map, [])).toThrow(/at least one cell/);
  });

  it('learns a linear rule from seeded mini-batches, the same for the same seed', () => {
    const rng = createRng(3);
    const make = (n: number) => {
      const inputs = Array.from({ length: n }, () =>
        Float32Array.from([rng.uniform(-1, 1), rng.uniform(-1, 1), 5]),
      );
      return { inputs, labels: inputs.map((x) => (x[0] > x[1] ? 1 : 0)) };
    };
    const train = make(400);
    const heldOut = make(200);
    const probe = trainLinearProbe(train.inputs, train.labels, 2, { seed: 1, epochs: 40 });
    const right = heldOut.inputs.filter((x, i) => probeClass(probe, x) === heldOut.labels[i]).length;
    expect(right / heldOut.inputs.length).toBeGreaterThan(0.95);
    expect(trainLinearProbe(train.inputs, train.labels, 2, { seed: 1, epochs: 40 }).weights).toEqual(
      probe.weights,
    );
    expect(() => trainLinearProbe(train.inputs, [...train.labels.slice(1), 2], 2)).toThrow(
      /label 2 of input 399 is not in \[0, 2\)/,
    );
  });

  it('reads back the attributes the label maps show, one probe per attribute', () => {
    const red = labelMaps([{ color: 'red', shape: 'cube', cell: 0 }]);
    const blue = labelMaps([{ color: 'blue', shape: 'sphere', cell: 0 }]);
    const examples = Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? {
            map: red,
            cells: [0],
            attributes: { color: 'red', shape: 'cube', material: 'rubber', size: 'large' },
          }
        : {
            map: blue,
            cells: [0],
            attributes: { color: 'blue', shape: 'sphere', material: 'rubber', size: 'large' },
          },
    );
    const read = probeReader(trainAttributeProbes(examples, { epochs: 20 }));
    expect(read(red, [0])).toEqual({ color: 'red', shape: 'cube', material: 'rubber', size: 'large' });
    expect(read(blue, [0])).toEqual({ color: 'blue', shape: 'sphere', material: 'rubber', size: 'large' });
  });
});
