/** A 3D vector or point in CLEVR's world frame (x, y on the ground plane, z up). */
export type Vec3 = readonly [number, number, number];

export const dot3 = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const sub3 = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale3 = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];

export function normalize3(a: Vec3): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  if (n === 0) throw new Error('normalize3: zero-length vector');
  return [a[0] / n, a[1] / n, a[2] / n];
}

export const cross3 = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
