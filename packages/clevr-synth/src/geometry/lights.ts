import type { Rng } from '@mmnet/core-tensors';
import { jitterOffset } from './jitter.js';
import type { Vec3 } from './vec3.js';

/** A spherical area light. */
export interface Light {
  position: Vec3;
  /** Radiant intensity (arbitrary linear units, tuned to look like CLEVR's Blender lamps). */
  intensity: number;
  /** Radius of the emitting sphere (softness of shadows and highlights). */
  radius: number;
}

/** CLEVR's three-lamp rig. */
export interface LightRig {
  key: Light;
  fill: Light;
  back: Light;
}

/**
 * The three lamps. The key lamp stands to the right of the scene and a little behind it (as seen from the
 * camera), about 40 degrees up, so that shadows fall to the front left as in CLEVR's images; the fill lamp
 * lights the front from the left; the back lamp is high behind the scene.
 */
export const CLEVR_LIGHTS: LightRig = {
  key: { position: [3.96, 9.16, 9.0], intensity: 1.0, radius: 1.6 },
  fill: { position: [-0.55, -4.96, 3.0], intensity: 0.35, radius: 1.2 },
  back: { position: [-1.1685, 2.646, 5.8157], intensity: 0.35, radius: 1.0 },
};

function jitterLight(light: Light, rng: Rng, jitter: number, minJitter: number): Light {
  const p = light.position;
  return {
    ...light,
    position: [
      p[0] + jitterOffset(rng, jitter, minJitter),
      p[1] + jitterOffset(rng, jitter, minJitter),
      p[2] + jitterOffset(rng, jitter, minJitter),
    ],
  };
}

/**
 * The lamps, each moved by up to +-`jitter` per axis as render_images.py does (key, then back, then fill); by at
 * least `minJitter` per axis when that is > 0.
 */
export function clevrLights(rng: Rng | null, jitter = 1.0, minJitter = 0): LightRig {
  if (!rng || jitter <= 0) return CLEVR_LIGHTS;
  const key = jitterLight(CLEVR_LIGHTS.key, rng, jitter, minJitter);
  const back = jitterLight(CLEVR_LIGHTS.back, rng, jitter, minJitter);
  const fill = jitterLight(CLEVR_LIGHTS.fill, rng, jitter, minJitter);
  return { key, fill, back };
}
