import { COLOR_RGB } from '@mmnet/clevr-data';
import type { SyntheticObject } from '../geometry/index.js';

const KIND_SPHERE = 0;
export const KIND_BOX = 1;
const KIND_CYLINDER = 2;

/** An object prepared for ray casting: flat numeric fields, so the inner loops stay monomorphic. */
export interface Primitive {
  kind: number;
  cx: number;
  cy: number;
  cz: number;
  /** Sphere radius, cylinder radius or cube half-edge. */
  r: number;
  /** Half-height (equal to r for all CLEVR shapes). */
  h: number;
  /** Rotation about the vertical axis. */
  cos: number;
  sin: number;
  /** Radius of a sphere around the centre enclosing the object, and of one inside it. */
  boundRadius: number;
  innerRadius: number;
  /** Width of the rounded edge of cubes and cylinders (CLEVR's SmoothCube / SmoothCylinder). */
  bevel: number;
  /** Linear albedo. */
  albedoR: number;
  albedoG: number;
  albedoB: number;
  metal: boolean;
}

/** Fraction of the half-edge rounded on cubes and cylinders. */
const BEVEL_FRACTION = 0.12;

/** Builds the ray-casting record of an object. Colours are used as linear albedo, as CLEVR's Blender materials do. */
export function toPrimitive(o: SyntheticObject): Primitive {
  const [r8, g8, b8] = COLOR_RGB[o.color];
  const s = o.scale;
  const kind = o.shape === 'sphere' ? KIND_SPHERE : o.shape === 'cube' ? KIND_BOX : KIND_CYLINDER;
  const boundRadius = kind === KIND_SPHERE ? s : kind === KIND_BOX ? s * Math.sqrt(3) : s * Math.SQRT2;
  return {
    kind,
    cx: o.position[0],
    cy: o.position[1],
    cz: o.position[2],
    r: s,
    h: s,
    cos: Math.cos(o.rotation),
    sin: Math.sin(o.rotation),
    boundRadius,
    innerRadius: s,
    bevel: kind === KIND_SPHERE ? 0 : s * BEVEL_FRACTION,
    albedoR: r8 / 255,
    albedoG: g8 / 255,
    albedoB: b8 / 255,
    metal: o.material === 'metal',
  };
}

/**
 * Distance along the ray (origin o, unit direction d) to the first intersection with the primitive
 * farther than `tMin`, or Infinity.
 */
export function intersect(
  p: Primitive,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  const lx = ox - p.cx;
  const ly = oy - p.cy;
  const lz = oz - p.cz;
  // Quick reject against the bounding sphere.
  const bb = lx * dx + ly * dy + lz * dz;
  const bc = lx * lx + ly * ly + lz * lz - p.boundRadius * p.boundRadius;
  const bdisc = bb * bb - bc;
  if (bdisc < 0) return Number.POSITIVE_INFINITY;
  if (p.kind === KIND_SPHERE) {
    const c = lx * lx + ly * ly + lz * lz - p.r * p.r;
    const disc = bb * bb - c;
    if (disc < 0) return Number.POSITIVE_INFINITY;
    const sq = Math.sqrt(disc);
    let t = -bb - sq;
    if (t > tMin) return t;
    t = -bb + sq;
    return t > tMin ? t : Number.POSITIVE_INFINITY;
  }
  if (p.kind === KIND_BOX) {
    // Into the box frame (rotation about z by -angle).
    const bx = p.cos * lx + p.sin * ly;
    const by = -p.sin * lx + p.cos * ly;
    const ex = p.cos * dx + p.sin * dy;
    const ey = -p.sin * dx + p.cos * dy;
    const h = p.r;
    let tNear = Number.NEGATIVE_INFINITY;
    let tFar = Number.POSITIVE_INFINITY;
    // x slab
    if (ex !== 0) {
      const t1 = (-h - bx) / ex;
      const t2 = (h - bx) / ex;
      tNear = Math.max(tNear, Math.min(t1, t2));
      tFar = Math.min(tFar, Math.max(t1, t2));
    } else if (bx < -h || bx > h) return Number.POSITIVE_INFINITY;
    if (ey !== 0) {
      const t1 = (-h - by) / ey;
      const t2 = (h - by) / ey;
      tNear = Math.max(tNear, Math.min(t1, t2));
      tFar = Math.min(tFar, Math.max(t1, t2));
    } else if (by < -h || by > h) return Number.POSITIVE_INFINITY;
    if (dz !== 0) {
      const t1 = (-h - lz) / dz;
      const t2 = (h - lz) / dz;
      tNear = Math.max(tNear, Math.min(t1, t2));
      tFar = Math.min(tFar, Math.max(t1, t2));
    } else if (lz < -h || lz > h) return Number.POSITIVE_INFINITY;
    if (tNear > tFar) return Number.POSITIVE_INFINITY;
    if (tNear > tMin) return tNear;
    return tFar > tMin ? tFar : Number.POSITIVE_INFINITY;
  }
  // Vertical capped cylinder.
  const r = p.r;
  const h = p.h;
  let best = Number.POSITIVE_INFINITY;
  const a = dx * dx + dy * dy;
  if (a > 1e-12) {
    const b = lx * dx + ly * dy;
    const c = lx * lx + ly * ly - r * r;
    const disc = b * b - a * c;
    if (disc >= 0) {
      const sq = Math.sqrt(disc);
      const t1 = (-b - sq) / a;
      const t2 = (-b + sq) / a;
      if (t1 > tMin) {
        const z = lz + t1 * dz;
        if (z >= -h && z <= h) best = t1;
      }
      if (best === Number.POSITIVE_INFINITY && t2 > tMin) {
        const z = lz + t2 * dz;
        if (z >= -h && z <= h) best = t2;
      }
    }
  }
  if (dz !== 0) {
    best = capHit(h, lx, ly, lz, dx, dy, dz, r, tMin, best);
    best = capHit(-h, lx, ly, lz, dx, dy, dz, r, tMin, best);
  }
  return best;
}

function capHit(
  capZ: number,
  lx: number,
  ly: number,
  lz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  tMin: number,
  best: number,
): number {
  const t = (capZ - lz) / dz;
  if (t > tMin && t < best) {
    const x = lx + t * dx;
    const y = ly + t * dy;
    if (x * x + y * y <= r * r) return t;
  }
  return best;
}

/** Scratch output of `normalAt`. */
export const normalOut = { x: 0, y: 0, z: 1 };

/** Unit surface normal at a point on the primitive's surface (rounded near the edges of cubes and cylinders). */
export function normalAt(p: Primitive, x: number, y: number, z: number): typeof normalOut {
  const lx = x - p.cx;
  const ly = y - p.cy;
  const lz = z - p.cz;
  let nx: number;
  let ny: number;
  let nz: number;
  if (p.kind === KIND_SPHERE) {
    nx = lx;
    ny = ly;
    nz = lz;
  } else if (p.kind === KIND_BOX) {
    const bx = p.cos * lx + p.sin * ly;
    const by = -p.sin * lx + p.cos * ly;
    const inner = p.r - p.bevel;
    const qx = Math.sign(bx) * Math.max(Math.abs(bx) - inner, 0);
    const qy = Math.sign(by) * Math.max(Math.abs(by) - inner, 0);
    let qz = Math.sign(lz) * Math.max(Math.abs(lz) - inner, 0);
    if (qx === 0 && qy === 0 && qz === 0) qz = 1;
    nx = p.cos * qx - p.sin * qy;
    ny = p.sin * qx + p.cos * qy;
    nz = qz;
  } else {
    const rho = Math.sqrt(lx * lx + ly * ly);
    const qr = Math.max(rho - (p.r - p.bevel), 0);
    const qz = Math.sign(lz) * Math.max(Math.abs(lz) - (p.h - p.bevel), 0);
    if (qr === 0 && qz === 0) {
      nx = 0;
      ny = 0;
      nz = 1;
    } else {
      const k = rho > 0 ? qr / rho : 0;
      nx = lx * k;
      ny = ly * k;
      nz = qz;
    }
  }
  const inv = 1 / Math.sqrt(nx * nx + ny * ny + nz * nz);
  normalOut.x = nx * inv;
  normalOut.y = ny * inv;
  normalOut.z = nz * inv;
  return normalOut;
}
