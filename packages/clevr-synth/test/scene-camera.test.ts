import { createRng } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import {
  CLEVR_CAMERA,
  clevrCamera,
  cross3,
  dot3,
  pixelCoords,
  projectPoint,
  sub3,
  type Vec3,
} from '../src/index.js';

describe('camera', () => {
  it("is CLEVR's camera: orthonormal axes, looking down at the scene, 49 degrees of horizontal view", () => {
    const cam = clevrCamera(null);
    expect(cam.position).toEqual(CLEVR_CAMERA.location);
    for (const v of [cam.right, cam.up, cam.forward]) expect(Math.hypot(...v)).toBeCloseTo(1, 12);
    expect(dot3(cam.right, cam.up)).toBeCloseTo(0, 12);
    expect(dot3(cam.right, cam.forward)).toBeCloseTo(0, 12);
    expect(cross3(cam.right, cam.up).map((x, k) => x + cam.forward[k])).toEqual(
      [0, 0, 0].map(() => expect.closeTo(0, 12)),
    );
    // The view axis meets the ground near the origin.
    const t = -cam.position[2] / cam.forward[2];
    expect(
      Math.hypot(cam.position[0] + t * cam.forward[0], cam.position[1] + t * cam.forward[1]),
    ).toBeLessThan(0.5);
    expect((2 * Math.atan(cam.tanHalfFovX) * 180) / Math.PI).toBeCloseTo(49.13, 1);
    expect(projectPoint(cam, [0, 0, 0], 480, 320)[0]).toBeCloseTo(240, -1);
  });

  it('jitters the location by at most 0.5 per axis, seeded', () => {
    const a = clevrCamera(createRng(4), 0.5);
    expect(clevrCamera(createRng(4), 0.5)).toEqual(a);
    expect(a.position).not.toEqual(CLEVR_CAMERA.location);
    a.position.forEach((x, k) => expect(Math.abs(x - CLEVR_CAMERA.location[k])).toBeLessThanOrEqual(0.5));
    expect(a.forward).toEqual(clevrCamera(null).forward);
  });

  it('projects points so that the ray through the projection passes through the point', () => {
    const cam = clevrCamera(createRng(9), 0.5);
    const rng = createRng(10);
    for (let k = 0; k < 20; k++) {
      const p: Vec3 = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(0, 1.4)];
      const [x, y, depth] = projectPoint(cam, p, 480, 320);
      expect(depth).toBeCloseTo(dot3(sub3(p, cam.position), cam.forward), 10);
      // Ray through image point (x, y), the way the renderer builds it.
      const tanY = (cam.tanHalfFovX * 320) / 480;
      const u = ((2 * x) / 480 - 1) * cam.tanHalfFovX;
      const v = (1 - (2 * y) / 320) * tanY;
      const d = [0, 1, 2].map((i) => cam.forward[i] + u * cam.right[i] + v * cam.up[i]) as unknown as Vec3;
      const q = cam.position.map((c, i) => c + depth * d[i]);
      q.forEach((c, i) => expect(c).toBeCloseTo(p[i], 9));
      expect(pixelCoords(cam, p, 480, 320)).toEqual([Math.round(x), Math.round(y), depth]);
    }
  });
});
