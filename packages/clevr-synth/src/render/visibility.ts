import type { SyntheticScene } from '../geometry/index.js';
import { SceneRenderer } from './scene-renderer.js';

/** The object-id buffer of a scene (front-most object per pixel centre, -1 for the ground) and the counts. */
export function renderObjectIds(
  scene: SyntheticScene,
  width: number,
  height: number,
): { objectIds: Int16Array; visiblePixels: number[] } {
  const renderer = new SceneRenderer(scene, width, height);
  const visiblePixels = renderer.computeIds();
  return { objectIds: renderer.ids, visiblePixels };
}

/** Visible pixels of each object at the given resolution (no shading: fast enough for rejection sampling). */
export function countVisiblePixels(scene: SyntheticScene, width: number, height: number): number[] {
  return renderObjectIds(scene, width, height).visiblePixels;
}

/** CLEVR's minimum of 200 visible pixels at 480x320, scaled to another resolution by area. */
export function scaledMinPixels(width: number, height: number, minAt480x320 = 200): number {
  return Math.max(1, Math.round((minAt480x320 * width * height) / (480 * 320)));
}
