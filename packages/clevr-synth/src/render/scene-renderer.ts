import type { Camera, SyntheticScene, Vec3 } from '../geometry/index.js';
import { intersect, normalAt, type Primitive, toPrimitive } from './primitives.js';
import { groundShadeRect, objectRect, type PixelRect } from './screen-bounds.js';
import { linearToSrgb8 } from './srgb.js';
import { DEFAULT_RENDER_STYLE, type RenderStyle } from './style.js';

/** Background in the object-id buffer. */
export const BACKGROUND_ID = -1;

/** Sub-pixel offsets of the anti-aliasing samples (rotated grid). */
/** Spacing in pixels of the grid on which the ground's lamp terms are computed and interpolated. */
const GRID = 4;
const AA_OFFSETS = [
  [0.375, 0.125],
  [0.875, 0.375],
  [0.625, 0.875],
  [0.125, 0.625],
] as const;

/** `n` points spread through the unit ball (a deterministic spiral), for soft shadow rays. */
function shadowSamplePoints(n: number): Float64Array {
  const golden = Math.PI * (3 - Math.sqrt(5));
  const pts = new Float64Array(n * 3);
  for (let k = 0; k < n; k++) {
    const z = 1 - (2 * (k + 0.5)) / n;
    const rho = Math.sqrt(Math.max(0, 1 - z * z));
    const phi = k * golden;
    const radius = Math.cbrt((((k * 7) % n) + 0.5) / n);
    pts[k * 3] = radius * rho * Math.cos(phi);
    pts[k * 3 + 1] = radius * rho * Math.sin(phi);
    pts[k * 3 + 2] = radius * z;
  }
  return pts;
}

/**
 * Ray casts one scene at one resolution: an object-id pass over the objects' screen rectangles, a ground
 * pass (soft key-lamp shadows and contact darkening) over their ground-shadow rectangles, shading, then
 * extra samples on the pixels along object silhouettes.
 */
export class SceneRenderer {
  readonly width: number;
  readonly height: number;
  readonly prims: Primitive[];
  readonly objectRects: PixelRect[];
  private readonly style: RenderStyle;
  private readonly camera: Camera;
  // Camera.
  private readonly ox: number;
  private readonly oy: number;
  private readonly oz: number;
  private readonly fx: number;
  private readonly fy: number;
  private readonly fz: number;
  private readonly rx: number;
  private readonly ry: number;
  private readonly rz: number;
  private readonly ux: number;
  private readonly uy: number;
  private readonly uz: number;
  private readonly tanX: number;
  private readonly tanY: number;
  // Lamps: key first.
  private readonly lx: Float64Array;
  private readonly ly: Float64Array;
  private readonly lz: Float64Array;
  private readonly li: Float64Array;
  private readonly keyRadius: number;
  private readonly shadowPoints: Float64Array;
  // Current ray direction.
  private dx = 0;
  private dy = 0;
  private dz = -1;
  // Nearest hit of the last cast.
  private hitT = 0;
  // Shaded colour of the last shade call (linear).
  private cr = 0;
  private cg = 0;
  private cb = 0;
  // Per-pixel buffers.
  readonly ids: Int16Array;
  private readonly depth: Float32Array;
  /** Linear radiance of the ground seen through each pixel (shadows and contact darkening included). */
  private readonly groundLin: Float32Array;
  private readonly edge: Uint8Array;

  constructor(scene: SyntheticScene, width: number, height: number, style: Partial<RenderStyle> = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`render: width and height must be positive integers, got ${width}x${height}`);
    }
    if (scene.objects.length > 32767) throw new Error('render: too many objects');
    this.width = width;
    this.height = height;
    this.style = { ...DEFAULT_RENDER_STYLE, ...style };
    const cam = scene.camera;
    this.camera = cam;
    [this.ox, this.oy, this.oz] = cam.position;
    [this.fx, this.fy, this.fz] = cam.forward;
    [this.rx, this.ry, this.rz] = cam.right;
    [this.ux, this.uy, this.uz] = cam.up;
    this.tanX = cam.tanHalfFovX;
    this.tanY = (cam.tanHalfFovX * height) / width;
    const lamps = [scene.lights.key, scene.lights.fill, scene.lights.back];
    this.lx = Float64Array.from(lamps, (l) => l.position[0]);
    this.ly = Float64Array.from(lamps, (l) => l.position[1]);
    this.lz = Float64Array.from(lamps, (l) => l.position[2]);
    this.li = Float64Array.from(lamps, (l) => l.intensity);
    this.keyRadius = scene.lights.key.radius;
    this.shadowPoints = shadowSamplePoints(Math.max(1, this.style.shadowSamples));
    this.prims = scene.objects.map(toPrimitive);
    this.objectRects = this.prims.map((p) => objectRect(p, cam, width, height));
    const n = width * height;
    this.ids = new Int16Array(n);
    this.depth = new Float32Array(n);
    this.groundLin = new Float32Array(n);
    this.edge = new Uint8Array(n);
  }

  /** Sets the current ray through the continuous image point (x, y) (pixel units, y down). */
  private setRay(x: number, y: number): void {
    const u = ((2 * x) / this.width - 1) * this.tanX;
    const v = (1 - (2 * y) / this.height) * this.tanY;
    const dx = this.fx + u * this.rx + v * this.ux;
    const dy = this.fy + u * this.ry + v * this.uy;
    const dz = this.fz + u * this.rz + v * this.uz;
    const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
    this.dx = dx * inv;
    this.dy = dy * inv;
    this.dz = dz * inv;
  }

  /** Casts the current camera ray against the objects whose rectangle holds pixel (i, j); returns the id or -1. */
  private castPrimary(i: number, j: number): number {
    let best = Number.POSITIVE_INFINITY;
    let id = BACKGROUND_ID;
    const rects = this.objectRects;
    for (let k = 0; k < this.prims.length; k++) {
      const r = rects[k];
      if (i < r.x0 || i > r.x1 || j < r.y0 || j > r.y1) continue;
      const t = intersect(this.prims[k], this.ox, this.oy, this.oz, this.dx, this.dy, this.dz, 1e-6);
      if (t < best) {
        best = t;
        id = k;
      }
    }
    this.hitT = best;
    return id;
  }

  /** Object-id pass: the front-most object at each pixel centre. Returns visible pixels per object. */
  computeIds(): number[] {
    const { width, height, ids, depth } = this;
    ids.fill(BACKGROUND_ID);
    depth.fill(0);
    const counts = new Array<number>(this.prims.length).fill(0);
    for (const r of this.objectRects) {
      for (let j = r.y0; j <= r.y1; j++) {
        for (let i = r.x0; i <= r.x1; i++) {
          const p = j * width + i;
          if (ids[p] !== BACKGROUND_ID || depth[p] < 0) continue;
          this.setRay(i + 0.5, j + 0.5);
          const id = this.castPrimary(i, j);
          ids[p] = id;
          // A negative depth marks a pixel already cast that shows the ground.
          depth[p] = id === BACKGROUND_ID ? -1 : this.hitT;
        }
      }
    }
    for (let p = 0; p < width * height; p++) {
      const id = ids[p];
      if (id !== BACKGROUND_ID) counts[id]++;
    }
    this.markEdges();
    return counts;
  }

  /** Fraction of the key lamp hidden from point P by primitive `prim` (soft, sampled in the penumbra). */
  private keyOcclusion(prim: Primitive, px: number, py: number, pz: number): number {
    const vx = this.lx[0] - px;
    const vy = this.ly[0] - py;
    const vz = this.lz[0] - pz;
    const dist2 = vx * vx + vy * vy + vz * vz;
    const cx = prim.cx - px;
    const cy = prim.cy - py;
    const cz = prim.cz - pz;
    const s0 = (cx * vx + cy * vy + cz * vz) / dist2;
    if (s0 <= 0 || s0 >= 1) return 0;
    const qx = cx - s0 * vx;
    const qy = cy - s0 * vy;
    const qz = cz - s0 * vz;
    const d0 = Math.sqrt(qx * qx + qy * qy + qz * qz);
    const spread = this.keyRadius * s0;
    if (d0 - spread > prim.boundRadius) return 0;
    if (d0 + spread < prim.innerRadius) return 1;
    const pts = this.shadowPoints;
    const R = this.keyRadius;
    const n = pts.length / 3;
    let hidden = 0;
    for (let k = 0; k < n; k++) {
      const tx = vx + R * pts[k * 3];
      const ty = vy + R * pts[k * 3 + 1];
      const tz = vz + R * pts[k * 3 + 2];
      const len = Math.sqrt(tx * tx + ty * ty + tz * tz);
      const inv = 1 / len;
      const t = intersect(prim, px, py, pz, tx * inv, ty * inv, tz * inv, 1e-4);
      if (t < len) hidden++;
    }
    return hidden / n;
  }

  /**
   * Ground pass: contact darkening of the ground at each pixel, and the key lamp's visibility, which is
   * soft, so it is sampled every other pixel in x and y and interpolated.
   */
  computeGroundShading(shadows: boolean): void {
    const { width, height, groundLin, ids, edge } = this;
    const style = this.style;
    const cw = (width >> 1) + 1;
    const ch = (height >> 1) + 1;
    const coarseVis = new Float32Array(cw * ch).fill(1);
    const coarseAo = new Float32Array(cw * ch).fill(1);
    const light: Vec3 = [this.lx[0], this.ly[0], this.lz[0]];
    const interior = (i: number, j: number): boolean => {
      if (i < 0 || j < 0 || i >= width || j >= height) return false;
      const p = j * width + i;
      return ids[p] !== BACKGROUND_ID && !edge[p];
    };
    for (let k = 0; k < this.prims.length; k++) {
      const prim = this.prims[k];
      const effR = prim.kind === 0 ? prim.r : prim.r * 1.15;
      // Darkening reaches zero at aoR from the centre (the value there is subtracted).
      const aoR = effR * 3.5;
      const aoCut = (effR * effR * prim.cz) / (aoR * aoR + prim.cz * prim.cz) ** 1.5;
      const aoScale = style.aoStrength / (1 - aoCut);
      const withShadows = shadows && style.shadowSamples > 0;
      const rect = groundShadeRect(prim, light, this.keyRadius, aoR, this.camera, width, height);
      // Coarse sample (a, b) sits at pixel position (2a, 2b); it covers rect with one sample of margin.
      for (let b = Math.max(0, (rect.y0 >> 1) - 1); b <= Math.min(ch - 1, (rect.y1 >> 1) + 1); b++) {
        for (let a = Math.max(0, (rect.x0 >> 1) - 1); a <= Math.min(cw - 1, (rect.x1 >> 1) + 1); a++) {
          const x = 2 * a;
          const y = 2 * b;
          // Under the inside of an object the ground is never seen.
          if (interior(x - 1, y - 1) && interior(x, y - 1) && interior(x - 1, y) && interior(x, y)) continue;
          this.setRay(x, y);
          if (this.dz >= 0) continue;
          const t = -this.oz / this.dz;
          const gx = this.ox + t * this.dx;
          const gy = this.oy + t * this.dy;
          const q = b * cw + a;
          // Contact darkening: the sky hidden by a sphere of radius effR at the object's centre.
          const ex = prim.cx - gx;
          const ey = prim.cy - gy;
          const d2 = ex * ex + ey * ey + prim.cz * prim.cz;
          const occ = Math.min(1, ((effR * effR) / d2) * (prim.cz / Math.sqrt(d2)));
          if (occ > aoCut) coarseAo[q] *= 1 - aoScale * (occ - aoCut);
          if (withShadows) {
            const o = this.keyOcclusion(prim, gx, gy, 0);
            if (o > 0) coarseVis[q] *= 1 - o;
          }
        }
      }
    }
    // Lamp terms on a grid every GRID pixels (they vary slowly), then everything interpolated at pixel centres.
    const gw = Math.ceil(width / GRID) + 1;
    const gh = Math.ceil(height / GRID) + 1;
    const grid = new Float32Array(gw * gh);
    for (let b = 0; b < gh; b++) {
      for (let a = 0; a < gw; a++) {
        // Rays at or above the horizon (not in CLEVR's view) take the far ground's value.
        this.setRay(GRID * a, GRID * b);
        const t = -this.oz / Math.min(this.dz, -1e-3);
        grid[b * gw + a] = this.groundBase(this.ox + t * this.dx, this.oy + t * this.dy);
      }
    }
    const shadowStrength = style.shadowStrength;
    for (let j = 0; j < height; j++) {
      const fy = (j + 0.5) / 2;
      const b0 = Math.min(ch - 2, Math.floor(fy));
      const wy = fy - b0;
      const gy = (j + 0.5) / GRID;
      const g0 = Math.min(gh - 2, Math.floor(gy));
      const vy = gy - g0;
      for (let i = 0; i < width; i++) {
        const p = j * width + i;
        if (ids[p] !== BACKGROUND_ID && !edge[p]) continue;
        const fx = (i + 0.5) / 2;
        const a0 = Math.min(cw - 2, Math.floor(fx));
        const wx = fx - a0;
        const q = b0 * cw + a0;
        const c00 = (1 - wx) * (1 - wy);
        const c10 = wx * (1 - wy);
        const c01 = (1 - wx) * wy;
        const c11 = wx * wy;
        const vis =
          coarseVis[q] * c00 + coarseVis[q + 1] * c10 + coarseVis[q + cw] * c01 + coarseVis[q + cw + 1] * c11;
        const amb =
          coarseAo[q] * c00 + coarseAo[q + 1] * c10 + coarseAo[q + cw] * c01 + coarseAo[q + cw + 1] * c11;
        const gx = (i + 0.5) / GRID;
        const g0x = Math.min(gw - 2, Math.floor(gx));
        const vx = gx - g0x;
        const r = g0 * gw + g0x;
        const w00 = (1 - vx) * (1 - vy);
        const w10 = vx * (1 - vy);
        const w01 = (1 - vx) * vy;
        const w11 = vx * vy;
        const base = grid[r] * w00 + grid[r + 1] * w10 + grid[r + gw] * w01 + grid[r + gw + 1] * w11;
        groundLin[p] = base * amb * (1 - shadowStrength * (1 - vis));
      }
    }
  }

  /** Irradiance on an object's surface at P with normal n (key lamp weighted by `keyVis`). */
  private objectIrradiance(
    px: number,
    py: number,
    pz: number,
    nx: number,
    ny: number,
    nz: number,
    keyVis: number,
  ): number {
    const s = this.style;
    let e = (s.objectAmbientUp * (1 + nz) + s.objectAmbientDown * (1 - nz)) * 0.5;
    const fall = 1 / (s.objectFalloff * s.objectFalloff);
    for (let l = 0; l < 3; l++) {
      const vx = this.lx[l] - px;
      const vy = this.ly[l] - py;
      const vz = this.lz[l] - pz;
      const d2 = vx * vx + vy * vy + vz * vz;
      const cos = (vx * nx + vy * ny + vz * nz) / Math.sqrt(d2);
      if (cos <= 0) continue;
      e += (this.li[l] * s.objectLightScale * cos * (l === 0 ? keyVis : 1)) / (1 + d2 * fall);
    }
    return e;
  }

  /** Linear grey radiance of the unshadowed ground at (x, y) (the style's empirical ground model). */
  private groundBase(x: number, y: number): number {
    const s = this.style;
    const fall = 1 / (s.groundFalloff * s.groundFalloff);
    let e = s.groundAmbient;
    for (const lobe of s.groundLobes) {
      const [lx, ly, lz] = lobe.position;
      const vx = lx - x;
      const vy = ly - y;
      const d2 = vx * vx + vy * vy + lz * lz;
      e += (lobe.weight * (lz / Math.sqrt(d2))) / (1 + d2 * fall);
    }
    return s.groundAlbedo * e;
  }

  /** Radiance seen along a reflected ray from a point of object `self` (into cr, cg, cb). */
  private environment(
    self: number,
    px: number,
    py: number,
    pz: number,
    dx: number,
    dy: number,
    dz: number,
  ): void {
    let best = Number.POSITIVE_INFINITY;
    let hit = -1;
    for (let k = 0; k < this.prims.length; k++) {
      if (k === self) continue;
      const t = intersect(this.prims[k], px, py, pz, dx, dy, dz, 1e-4);
      if (t < best) {
        best = t;
        hit = k;
      }
    }
    if (hit >= 0) {
      const o = this.prims[hit];
      const hx = px + best * dx;
      const hy = py + best * dy;
      const hz = pz + best * dz;
      const n = normalAt(o, hx, hy, hz);
      const e = this.objectIrradiance(hx, hy, hz, n.x, n.y, n.z, 1);
      this.cr = o.albedoR * e;
      this.cg = o.albedoG * e;
      this.cb = o.albedoB * e;
      return;
    }
    if (dz < -1e-6) {
      const t = -pz / dz;
      const g = this.groundBase(px + t * dx, py + t * dy);
      this.cr = g;
      this.cg = g;
      this.cb = g;
      return;
    }
    const s = this.style;
    const sky = s.skyHorizon + (s.skyZenith - s.skyHorizon) * dz;
    this.cr = sky;
    this.cg = sky;
    this.cb = sky;
  }

  /** Shades the hit of the current ray on object `id` at distance `t` (into cr, cg, cb). */
  private shadeObject(id: number, t: number): void {
    const o = this.prims[id];
    const s = this.style;
    const dx = this.dx;
    const dy = this.dy;
    const dz = this.dz;
    const px = this.ox + t * dx;
    const py = this.oy + t * dy;
    const pz = this.oz + t * dz;
    const n = normalAt(o, px, py, pz);
    const nx = n.x;
    const ny = n.y;
    const nz = n.z;
    // Key-lamp shadows cast by the other objects.
    let vis = 1;
    if (s.shadowSamples > 0) {
      for (let k = 0; k < this.prims.length && vis > 0; k++) {
        if (k === id) continue;
        const occ = this.keyOcclusion(this.prims[k], px, py, pz);
        if (occ > 0) vis *= 1 - occ;
      }
    }
    const e = this.objectIrradiance(px, py, pz, nx, ny, nz, vis);
    // Mirror direction and highlights.
    const dn = dx * nx + dy * ny + dz * nz;
    const mx = dx - 2 * dn * nx;
    const my = dy - 2 * dn * ny;
    const mz = dz - 2 * dn * nz;
    let highlight = 0;
    let gloss = 0;
    for (let l = 0; l < 3; l++) {
      const vx = this.lx[l] - px;
      const vy = this.ly[l] - py;
      const vz = this.lz[l] - pz;
      const len = Math.sqrt(vx * vx + vy * vy + vz * vz);
      const c = (vx * mx + vy * my + vz * mz) / len;
      if (c <= 0) continue;
      const w = this.li[l] * s.objectLightScale * (l === 0 ? vis : 1);
      // Powers of c below 0.7 are negligible at these exponents (< 1e-3).
      if (c < 0.7) continue;
      if (o.metal) {
        if (c > 0.97) highlight += w * c ** s.metalShininess;
        gloss += w * c ** s.metalGlossShininess;
      } else {
        highlight += w * c ** s.rubberShininess;
      }
    }
    if (!o.metal) {
      const spec = s.rubberSpecular * highlight;
      this.cr = o.albedoR * e + spec;
      this.cg = o.albedoG * e + spec;
      this.cb = o.albedoB * e + spec;
      return;
    }
    const cosV = Math.min(1, Math.max(0, -dn));
    const f = (1 - cosV) ** 5;
    const fr = o.albedoR + (1 - o.albedoR) * f;
    const fg = o.albedoG + (1 - o.albedoG) * f;
    const fb = o.albedoB + (1 - o.albedoB) * f;
    this.environment(id, px, py, pz, mx, my, mz);
    const spec = s.metalSpecular * highlight + s.metalGloss * gloss;
    const kd = s.metalDiffuse * e;
    this.cr = o.albedoR * kd + fr * (this.cr + spec);
    this.cg = o.albedoG * kd + fg * (this.cg + spec);
    this.cb = o.albedoB * kd + fb * (this.cb + spec);
  }

  /** Shades the continuous image point (x, y) of pixel p (into cr, cg, cb); returns the object id or -1. */
  private shadeSample(x: number, y: number, i: number, j: number, p: number): number {
    this.setRay(x, y);
    const id = this.castPrimary(i, j);
    if (id !== BACKGROUND_ID) {
      this.shadeObject(id, this.hitT);
      return id;
    }
    const g = this.groundLin[p];
    this.cr = g;
    this.cg = g;
    this.cb = g;
    return id;
  }

  /** Renders the image: 8-bit sRGB, RGB interleaved. Call after `computeIds` and `computeGroundShading`. */
  shadeImage(antialias: boolean): Uint8Array {
    const { width, height, ids, depth } = this;
    const exposure = this.style.exposure;
    const rgb = new Uint8Array(width * height * 3);
    for (let j = 0; j < height; j++) {
      for (let i = 0; i < width; i++) {
        const p = j * width + i;
        const id = ids[p];
        if (id === BACKGROUND_ID) {
          const g = linearToSrgb8(this.groundLin[p] * exposure);
          rgb[p * 3] = g;
          rgb[p * 3 + 1] = g;
          rgb[p * 3 + 2] = g;
          continue;
        }
        this.setRay(i + 0.5, j + 0.5);
        this.shadeObject(id, depth[p]);
        rgb[p * 3] = linearToSrgb8(this.cr * exposure);
        rgb[p * 3 + 1] = linearToSrgb8(this.cg * exposure);
        rgb[p * 3 + 2] = linearToSrgb8(this.cb * exposure);
      }
    }
    if (antialias) this.antialiasEdges(rgb);
    return rgb;
  }

  /** Marks the pixels along silhouettes: those whose id differs from a 4-neighbour's. */
  private markEdges(): void {
    const { width, height, ids, edge } = this;
    edge.fill(0);
    for (let j = 0; j < height; j++) {
      for (let i = 0; i < width; i++) {
        const p = j * width + i;
        if (i + 1 < width && ids[p] !== ids[p + 1]) {
          edge[p] = 1;
          edge[p + 1] = 1;
        }
        if (j + 1 < height && ids[p] !== ids[p + width]) {
          edge[p] = 1;
          edge[p + width] = 1;
        }
      }
    }
  }

  /** Re-renders the pixels along silhouettes with four samples each. */
  private antialiasEdges(rgb: Uint8Array): void {
    const { width, height, edge } = this;
    const exposure = this.style.exposure;
    const k = 1 / AA_OFFSETS.length;
    for (let p = 0; p < width * height; p++) {
      if (!edge[p]) continue;
      const i = p % width;
      const j = (p - i) / width;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let s = 0; s < AA_OFFSETS.length; s++) {
        this.shadeSample(i + AA_OFFSETS[s][0], j + AA_OFFSETS[s][1], i, j, p);
        r += Math.min(1, this.cr * exposure);
        g += Math.min(1, this.cg * exposure);
        b += Math.min(1, this.cb * exposure);
      }
      rgb[p * 3] = linearToSrgb8(r * k);
      rgb[p * 3 + 1] = linearToSrgb8(g * k);
      rgb[p * 3 + 2] = linearToSrgb8(b * k);
    }
  }
}
