import { type Camera, projectPoint, type Vec3 } from '../geometry/index.js';
import { KIND_BOX, type Primitive } from './primitives.js';

/** An inclusive pixel rectangle; empty when x0 > x1 or y0 > y1. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const FULL_MARGIN = 1;

/** The pixel rectangle covering the projections of `points` (the whole image if one is behind the camera). */
function projectedRect(camera: Camera, points: Vec3[], width: number, height: number): PixelRect {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    const [x, y, depth] = projectPoint(camera, p, width, height);
    if (depth <= 1e-3) return { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return {
    x0: Math.max(0, Math.floor(x0) - FULL_MARGIN),
    y0: Math.max(0, Math.floor(y0) - FULL_MARGIN),
    x1: Math.min(width - 1, Math.floor(x1) + FULL_MARGIN),
    y1: Math.min(height - 1, Math.floor(y1) + FULL_MARGIN),
  };
}

/** The corners of an axis-aligned box around the primitive (its bounding sphere horizontally, its height vertically). */
function boundingCorners(p: Primitive, zMin = p.cz - p.h, extra = 0): Vec3[] {
  const rxy = (p.kind === KIND_BOX ? p.r * Math.SQRT2 : p.r) + extra;
  const zMax = p.cz + p.h;
  const corners: Vec3[] = [];
  for (const x of [p.cx - rxy, p.cx + rxy])
    for (const y of [p.cy - rxy, p.cy + rxy]) for (const z of [zMin, zMax]) corners.push([x, y, z]);
  return corners;
}

/** The pixels an object can cover. */
export function objectRect(p: Primitive, camera: Camera, width: number, height: number): PixelRect {
  return projectedRect(camera, boundingCorners(p), width, height);
}

/**
 * The pixels of ground that the object can shade: its soft shadow from the lamp at `light` (radius
 * `lightRadius`) and its contact darkening within `aoRadius` of its centre.
 */
export function groundShadeRect(
  p: Primitive,
  light: Vec3,
  lightRadius: number,
  aoRadius: number,
  camera: Camera,
  width: number,
  height: number,
): PixelRect {
  const points: Vec3[] = [];
  for (const x of [p.cx - aoRadius, p.cx + aoRadius])
    for (const y of [p.cy - aoRadius, p.cy + aoRadius]) points.push([x, y, 0]);
  for (const c of boundingCorners(p, 0)) {
    const z = c[2];
    if (z >= light[2]) return { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
    const k = light[2] / (light[2] - z);
    const gx = light[0] + (c[0] - light[0]) * k;
    const gy = light[1] + (c[1] - light[1]) * k;
    // Half-width of the penumbra at this point.
    const pen = (lightRadius * z) / (light[2] - z) + 0.05;
    points.push(
      [gx - pen, gy - pen, 0],
      [gx + pen, gy - pen, 0],
      [gx - pen, gy + pen, 0],
      [gx + pen, gy + pen, 0],
    );
  }
  return projectedRect(camera, points, width, height);
}
