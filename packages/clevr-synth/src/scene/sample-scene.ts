import { COLORS, MATERIALS, SHAPES, SIZE_RADIUS, SIZES } from '@mmnet/clevr-data';
import type { Rng } from '@mmnet/core-tensors';
import { z } from 'zod';
import { type Camera, clevrCamera, projectPoint } from '../geometry/camera.js';
import { computeDirections } from '../geometry/directions.js';
import { clevrLights } from '../geometry/lights.js';
import type { SyntheticObject, SyntheticScene } from '../geometry/types.js';
import { countVisiblePixels } from '../render/visibility.js';

/** Options of the scene sampler; the defaults are render_images.py's. */
export const SceneSamplerOptionsSchema = z
  .object({
    minObjects: z.number().int().min(1).default(3),
    maxObjects: z.number().int().min(1).default(10),
    /** Minimum gap between the footprints (radius) of two objects. */
    minDist: z.number().min(0).default(0.25),
    /** Minimum offset between two objects along left/right/front/behind, so those relations are unambiguous. */
    margin: z.number().min(0).default(0.4),
    /** Placement attempts per object before the whole scene is restarted. */
    maxRetries: z.number().int().min(1).default(50),
    cameraJitter: z.number().min(0).default(0.5),
    /** Smallest camera offset per axis (0: CLEVR's uniform jitter; > 0 renders outside that range). */
    cameraJitterMin: z.number().min(0).default(0),
    lightJitter: z.number().min(0).default(1.0),
    /** Smallest lamp offset per axis (0: CLEVR's uniform jitter; > 0 renders outside that range). */
    lightJitterMin: z.number().min(0).default(0),
    /** Minimum visible pixels per object at the visibility-check resolution (CLEVR: 200 at 480x320). */
    minPixelsPerObject: z.number().int().min(0).default(200),
    visibilityWidth: z.number().int().min(8).default(480),
    visibilityHeight: z.number().int().min(8).default(320),
    /**
     * Also retry a position whose centre would project outside the image (one pixel of margin at the
     * visibility-check resolution), so every pixel_coords lies in the image. CLEVR itself does not check
     * this; it only rarely matters (objects near the far corners of the [-3, 3] square).
     */
    centreInView: z.boolean().default(true),
    /** Restarts (placement failures plus hidden objects) allowed before giving up with an error. */
    maxRestarts: z.number().int().min(1).default(10_000),
  })
  .strict()
  .refine((o) => o.minObjects <= o.maxObjects, {
    message: 'minObjects must be <= maxObjects',
    path: ['minObjects'],
  })
  .refine((o) => o.cameraJitterMin <= o.cameraJitter, {
    message: 'cameraJitterMin must be <= cameraJitter',
    path: ['cameraJitterMin'],
  })
  .refine((o) => o.lightJitterMin <= o.lightJitter, {
    message: 'lightJitterMin must be <= lightJitter',
    path: ['lightJitterMin'],
  });

export type SceneSamplerOptions = z.input<typeof SceneSamplerOptionsSchema>;
export type ResolvedSceneSamplerOptions = z.output<typeof SceneSamplerOptionsSchema>;

/** Parses sampler options, naming the bad field. */
export function parseSceneSamplerOptions(options: SceneSamplerOptions = {}): ResolvedSceneSamplerOptions {
  const parsed = SceneSamplerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`scene sampler options: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Places `count` objects as render_images.py's add_random_objects does; null when an object could not be
 * placed within `maxRetries` attempts (the caller restarts the scene).
 */
function placeObjects(
  rng: Rng,
  count: number,
  camera: Camera,
  directions: SyntheticScene['directions'],
  o: ResolvedSceneSamplerOptions,
): SyntheticObject[] | null {
  const w = o.visibilityWidth;
  const h = o.visibilityHeight;
  const objects: SyntheticObject[] = [];
  const placed: { x: number; y: number; r: number }[] = [];
  const dirs = [directions.left, directions.right, directions.front, directions.behind];
  for (let i = 0; i < count; i++) {
    const size = rng.choice(SIZES);
    let r = SIZE_RADIUS[size];
    let x = 0;
    let y = 0;
    for (let tries = 1; ; tries++) {
      if (tries > o.maxRetries) return null;
      x = rng.uniform(-3, 3);
      y = rng.uniform(-3, 3);
      let good = true;
      if (o.centreInView) {
        // The centre's height depends on the shape, drawn later: check both possible heights.
        for (const z of [r, r / Math.SQRT2]) {
          const [px, py] = projectPoint(camera, [x, y, z], w, h);
          if (!(px >= 1 && px <= w - 1 && py >= 1 && py <= h - 1)) good = false;
        }
        if (!good) continue;
      }
      for (const p of placed) {
        const dx = x - p.x;
        const dy = y - p.y;
        if (Math.sqrt(dx * dx + dy * dy) - r - p.r < o.minDist) {
          good = false;
          break;
        }
        for (const d of dirs) {
          const margin = dx * d[0] + dy * d[1];
          if (margin > 0 && margin < o.margin) {
            good = false;
            break;
          }
        }
        if (!good) break;
      }
      if (good) break;
    }
    const shape = rng.choice(SHAPES);
    const color = rng.choice(COLORS);
    if (shape === 'cube') r /= Math.SQRT2;
    const rotation = 360 * rng.next();
    const material = rng.choice(MATERIALS);
    placed.push({ x, y, r });
    objects.push({ shape, color, material, size, position: [x, y, r], scale: r, rotation });
  }
  return objects;
}

/**
 * Samples a CLEVR scene: the number of objects, a jittered camera and lamps, then objects placed with
 * CLEVR's distance and direction-margin rules; a scene in which an object shows fewer than
 * `minPixelsPerObject` pixels is sampled again (same camera, lamps and object count, as CLEVR does).
 */
export function sampleScene(rng: Rng, options: SceneSamplerOptions = {}): SyntheticScene {
  const o = parseSceneSamplerOptions(options);
  const count = o.minObjects + rng.int(o.maxObjects - o.minObjects + 1);
  const camera = clevrCamera(rng, o.cameraJitter, o.cameraJitterMin);
  const directions = computeDirections(camera);
  const lights = clevrLights(rng, o.lightJitter, o.lightJitterMin);
  for (let restart = 0; restart < o.maxRestarts; restart++) {
    const objects = placeObjects(rng, count, camera, directions, o);
    if (!objects) continue;
    const scene: SyntheticScene = { objects, camera, lights, directions };
    if (o.minPixelsPerObject > 0) {
      const visible = countVisiblePixels(scene, o.visibilityWidth, o.visibilityHeight);
      if (visible.some((n) => n < o.minPixelsPerObject)) continue;
    }
    return scene;
  }
  throw new Error(
    `sampleScene: no valid scene of ${count} objects after ${o.maxRestarts} restarts (minDist ${o.minDist}, margin ${o.margin}, minPixelsPerObject ${o.minPixelsPerObject})`,
  );
}
