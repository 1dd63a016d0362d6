import { createRng } from '@mmnet/core-tensors';
import type { Scene, SceneObject } from '../../src/formats/scene-schema.js';

/** Camera directions on the ground plane used by the test scenes (x to the right, y away from the camera). */
export const TEST_DIRECTIONS: Record<string, [number, number, number]> = {
  left: [-1, 0, 0],
  right: [1, 0, 0],
  behind: [0, 1, 0],
  front: [0, -1, 0],
  above: [0, 0, 1],
  below: [0, 0, -1],
};

/**
 * CLEVR's rule: object j is in relation `rel` to object i when (coords_j - coords_i) . direction > eps.
 */
export function relationshipsFromCoords(
  objects: readonly Pick<SceneObject, '3d_coords'>[],
  eps = 0.2,
): Scene['relationships'] {
  const out: Record<string, number[][]> = {};
  for (const rel of ['left', 'right', 'behind', 'front']) {
    const d = TEST_DIRECTIONS[rel];
    out[rel] = objects.map((a, i) =>
      objects.flatMap((b, j) => {
        if (i === j) return [];
        const dot =
          (b['3d_coords'][0] - a['3d_coords'][0]) * d[0] +
          (b['3d_coords'][1] - a['3d_coords'][1]) * d[1] +
          (b['3d_coords'][2] - a['3d_coords'][2]) * d[2];
        return dot > eps ? [j] : [];
      }),
    );
  }
  return out as Scene['relationships'];
}

type Attrs = { shape: string; color: string; material: string; size: string; x: number; y: number };

/** Builds a valid scene from attribute rows and ground positions. */
export function makeScene(index: number, rows: readonly Attrs[]): Scene {
  const objects: SceneObject[] = rows.map((r) => ({
    shape: r.shape,
    color: r.color,
    material: r.material,
    size: r.size,
    '3d_coords': [r.x, r.y, r.size === 'large' ? 0.7 : 0.35],
    rotation: 0,
    pixel_coords: [Math.round(240 + 40 * r.x), Math.round(160 - 20 * r.y), 10],
  }));
  return {
    split: 'test',
    image_index: index,
    image_filename: `CLEVR_test_${String(index).padStart(6, '0')}.png`,
    objects,
    relationships: relationshipsFromCoords(objects),
    directions: TEST_DIRECTIONS,
  };
}

const SHAPES = ['cube', 'sphere', 'cylinder'];
const COLORS = ['gray', 'red', 'blue', 'green', 'brown', 'purple', 'cyan', 'yellow'];
const MATERIALS = ['rubber', 'metal'];
const SIZES = ['small', 'large'];

/** `count` seeded random scenes of 3-10 objects on a 6x6 ground square, relationships from coordinates. */
export function randomScenes(count: number, seed: number, minObjects = 3, maxObjects = 10): Scene[] {
  const rng = createRng(seed);
  const rand = () => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: count }, (_, s) => {
    const n = minObjects + Math.floor(rand() * (maxObjects - minObjects + 1));
    const rows: Attrs[] = [];
    while (rows.length < n) {
      const x = -3 + 6 * rand();
      const y = -3 + 6 * rand();
      if (rows.some((r) => Math.hypot(r.x - x, r.y - y) < 0.8)) continue;
      rows.push({
        shape: pick(SHAPES),
        color: pick(COLORS),
        material: pick(MATERIALS),
        size: pick(SIZES),
        x,
        y,
      });
    }
    return makeScene(s, rows);
  });
}

/**
 * A hand-written scene (positions chosen so relations are obvious; x grows to the right, y away):
 *  0 large red metal cube        at (-2, 0)
 *  1 small blue rubber sphere    at ( 0, 0)
 *  2 large blue rubber cylinder  at ( 2, 2)   (right of and behind 1)
 *  3 small yellow metal sphere   at ( 2,-2)   (right of and in front of 1)
 *  4 small red rubber cube       at (-2, 2)   (behind 0)
 */
export function handScene(): Scene {
  return makeScene(0, [
    { shape: 'cube', color: 'red', material: 'metal', size: 'large', x: -2, y: 0 },
    { shape: 'sphere', color: 'blue', material: 'rubber', size: 'small', x: 0, y: 0 },
    { shape: 'cylinder', color: 'blue', material: 'rubber', size: 'large', x: 2, y: 2 },
    { shape: 'sphere', color: 'yellow', material: 'metal', size: 'small', x: 2, y: -2 },
    { shape: 'cube', color: 'red', material: 'rubber', size: 'small', x: -2, y: 2 },
  ]);
}

/** Three hand-written scenes (the first is handScene) for the official-template question fixture. */
export function handScenes(): Scene[] {
  return [
    handScene(),
    makeScene(1, [
      { shape: 'cylinder', color: 'gray', material: 'metal', size: 'small', x: -2.5, y: -1 },
      { shape: 'sphere', color: 'green', material: 'rubber', size: 'large', x: -1, y: 1.5 },
      { shape: 'cube', color: 'purple', material: 'metal', size: 'large', x: 0.5, y: -0.5 },
      { shape: 'cylinder', color: 'brown', material: 'rubber', size: 'small', x: 1.5, y: 2 },
      { shape: 'sphere', color: 'cyan', material: 'metal', size: 'small', x: 2.5, y: 0 },
      { shape: 'cube', color: 'gray', material: 'rubber', size: 'large', x: -0.5, y: -2.5 },
    ]),
    makeScene(2, [
      { shape: 'sphere', color: 'yellow', material: 'rubber', size: 'large', x: -1.5, y: 0.5 },
      { shape: 'cube', color: 'yellow', material: 'metal', size: 'small', x: 0, y: 2 },
      { shape: 'cylinder', color: 'red', material: 'metal', size: 'large', x: 1.5, y: -1 },
      { shape: 'cube', color: 'purple', material: 'rubber', size: 'small', x: 1, y: 1 },
    ]),
  ];
}
