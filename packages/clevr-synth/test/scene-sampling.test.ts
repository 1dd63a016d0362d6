import { COLORS, MATERIALS, parseSceneFile, SHAPES, SIZE_RADIUS, SIZES } from '@mmnet/clevr-data';
import { createRng } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import {
  buildScenesFile,
  clevrCamera,
  clevrImageFilename,
  computeDirections,
  dot3,
  generateScene,
  sampleScene,
  sub3,
} from '../src/index.js';

const scenes = Array.from({ length: 24 }, (_, index) => generateScene({ seed: 7, index, split: 'train' }));

describe('scene sampling', () => {
  it('draws 3 to 10 objects with valid attributes, resting on the ground inside [-3, 3]^2', () => {
    const counts = new Set<number>();
    for (const { synthetic, json } of scenes) {
      expect(json.objects.length).toBeGreaterThanOrEqual(3);
      expect(json.objects.length).toBeLessThanOrEqual(10);
      counts.add(json.objects.length);
      synthetic.objects.forEach((o, k) => {
        expect(SHAPES).toContain(o.shape);
        expect(COLORS).toContain(o.color);
        expect(MATERIALS).toContain(o.material);
        expect(SIZES).toContain(o.size);
        const r = SIZE_RADIUS[o.size];
        expect(o.scale).toBeCloseTo(o.shape === 'cube' ? r / Math.SQRT2 : r, 12);
        expect(o.position[2]).toBe(o.scale);
        expect(Math.abs(o.position[0])).toBeLessThanOrEqual(3);
        expect(Math.abs(o.position[1])).toBeLessThanOrEqual(3);
        expect(o.rotation).toBeGreaterThanOrEqual(0);
        expect(o.rotation).toBeLessThan(360);
        expect(json.objects[k]['3d_coords']).toEqual([...o.position]);
      });
    }
    expect(counts.size).toBeGreaterThan(3);
  });

  it('keeps objects apart and unambiguous along left/right/front/behind (CLEVR min_dist and margin)', () => {
    for (const { synthetic } of scenes) {
      const { objects, directions } = synthetic;
      for (let i = 0; i < objects.length; i++) {
        for (let j = 0; j < i; j++) {
          const d = sub3(objects[i].position, objects[j].position);
          const dist = Math.hypot(d[0], d[1]);
          expect(dist - objects[i].scale - objects[j].scale).toBeGreaterThanOrEqual(0.25);
          expect(Math.abs(dot3(d, directions.left))).toBeGreaterThanOrEqual(0.4);
          expect(Math.abs(dot3(d, directions.front))).toBeGreaterThanOrEqual(0.4);
        }
      }
    }
  });

  it('computes the directions from the camera: unit, on the ground plane, behind = away from the camera', () => {
    const camera = clevrCamera(createRng(3), 0.5);
    const dirs = computeDirections(camera);
    for (const v of Object.values(dirs)) expect(Math.hypot(...v)).toBeCloseTo(1, 12);
    expect(dirs.above).toEqual([0, 0, 1]);
    expect(dirs.below).toEqual([0, 0, -1]);
    expect(dirs.behind[2]).toBe(0);
    // Nearly orthogonal: the camera's small roll (0.62 degrees) tilts left slightly, as in CLEVR.
    expect(Math.abs(dot3(dirs.left, dirs.behind))).toBeLessThan(0.02);
    expect(dirs.front).toEqual(dirs.behind.map((x) => -x + 0));
    expect(dirs.right).toEqual(dirs.left.map((x) => -x + 0));
    // Behind points from the camera towards the scene; left is to the left of the camera's view.
    expect(dot3(dirs.behind, sub3([0, 0, 0], camera.position))).toBeGreaterThan(0);
    expect(dot3(dirs.left, camera.right)).toBeLessThan(-0.99);
  });

  it('gives relationships that match the 3D coordinates and directions (dot product > 0.2)', () => {
    for (const { json } of scenes) {
      const dirs = json.directions!;
      for (const rel of ['left', 'right', 'front', 'behind'] as const) {
        const lists = json.relationships[rel];
        expect(lists).toHaveLength(json.objects.length);
        json.objects.forEach((a, i) => {
          const expected = json.objects
            .map((b, j) => ({ j, dot: dot3(sub3(b['3d_coords'], a['3d_coords']), dirs[rel]) }))
            .filter(({ j, dot }) => j !== i && dot > 0.2)
            .map(({ j }) => j);
          expect(lists[i]).toEqual(expected);
        });
      }
      // The margin rule makes left/right a strict order: every pair is related one way or the other.
      const n = json.objects.length;
      for (let i = 0; i < n; i++) {
        expect(json.relationships.left[i].length + json.relationships.right[i].length).toBe(n - 1);
        for (const j of json.relationships.left[i]) expect(json.relationships.right[j]).toContain(i);
      }
    }
  });

  it('writes the official scene format, which the formats schema accepts', () => {
    const file = buildScenesFile(
      scenes.map((s) => s.json),
      { split: 'train', date: '2024-01-01' },
    );
    const parsed = parseSceneFile(JSON.parse(JSON.stringify(file)), 'synthetic scenes');
    expect(parsed.scenes).toHaveLength(scenes.length);
    expect(file.info).toEqual({
      date: '2024-01-01',
      version: '1.0',
      split: 'train',
      license: 'Creative Commons Attribution (CC-BY 4.0)',
    });
    expect(scenes[5].json.image_filename).toBe('CLEVR_train_000005.png');
    expect(scenes[5].json.image_index).toBe(5);
    expect(clevrImageFilename('val', 13)).toBe('CLEVR_val_000013.png');
  });

  it('is deterministic: the same seed gives byte-identical scene JSON, another seed a different one', () => {
    const again = Array.from({ length: 6 }, (_, index) => generateScene({ seed: 7, index, split: 'train' }));
    expect(JSON.stringify(again.map((s) => s.json))).toBe(
      JSON.stringify(scenes.slice(0, 6).map((s) => s.json)),
    );
    const other = generateScene({ seed: 8, index: 0, split: 'train' });
    expect(JSON.stringify(other.json)).not.toBe(JSON.stringify(scenes[0].json));
    const a = sampleScene(createRng(99));
    const b = sampleScene(createRng(99));
    expect(a).toEqual(b);
  });

  it('rejects bad sampler options, naming the field', () => {
    expect(() => sampleScene(createRng(1), { minObjects: 5, maxObjects: 4 })).toThrow(/minObjects/);
    expect(() => sampleScene(createRng(1), { margin: -1 })).toThrow(/margin/);
    expect(() => sampleScene(createRng(1), { colour: 1 } as never)).toThrow(/colour/);
  });

  it('gives up with a clear error when no scene can be placed', () => {
    expect(() =>
      sampleScene(createRng(1), { minObjects: 10, maxObjects: 10, minDist: 3, maxRestarts: 3 }),
    ).toThrow(/no valid scene of 10 objects after 3 restarts/);
  });
});
