import type { Scene } from '@mmnet/clevr-data';
import { createRng } from '@mmnet/core-tensors';
import type { SyntheticScene } from '../geometry/types.js';
import { type SceneJsonOptions, toClevrSceneJson } from './clevr-json.js';
import { type SceneSamplerOptions, sampleScene } from './sample-scene.js';

/** A 32-bit seed for image `index` of a dataset seeded with `seed` (each image independent of the others). */
export function sceneSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

export interface GenerateSceneOptions extends Omit<SceneJsonOptions, 'imageIndex'> {
  /** Dataset seed. */
  seed: number;
  /** Image index within the split. */
  index: number;
  sampler?: SceneSamplerOptions;
}

export interface GeneratedScene {
  /** Everything needed to render the image. */
  synthetic: SyntheticScene;
  /** The scene in CLEVR's official format. */
  json: Scene;
}

/** Samples scene `index` of a synthetic split: the same (seed, index) always gives the same scene. */
export function generateScene(options: GenerateSceneOptions): GeneratedScene {
  const rng = createRng(sceneSeed(options.seed, options.index));
  const synthetic = sampleScene(rng, options.sampler);
  const json = toClevrSceneJson(synthetic, {
    split: options.split,
    imageIndex: options.index,
    width: options.width,
    height: options.height,
  });
  return { synthetic, json };
}
