import { ATTRIBUTE_GROUPS } from './attribute-groups.js';
import type { PretextSample } from './pretext-samples.js';

export interface PretextBatch {
  /** [B, H, W, 3] RGB in [0, 1]. */
  pixels: Float32Array;
  /** [B * h * w * 4] class indices. */
  targets: Int32Array;
  size: number;
}

/**
 * Stacks samples into one batch; `flip[i]` mirrors sample i left-right (image and label grid together:
 * the attributes do not depend on the side, so a mirrored scene is another valid sample).
 */
export function assemblePretextBatch(
  samples: readonly PretextSample[],
  input: { height: number; width: number },
  grid: { height: number; width: number },
  flip: readonly boolean[] = [],
): PretextBatch {
  const { height: H, width: W } = input;
  const { height: gh, width: gw } = grid;
  const groups = ATTRIBUTE_GROUPS.length;
  const perImage = H * W * 3;
  const perTargets = gh * gw * groups;
  const pixels = new Float32Array(samples.length * perImage);
  const targets = new Int32Array(samples.length * perTargets);
  samples.forEach((s, i) => {
    if (s.pixels.length !== perImage || s.targets.length !== perTargets) {
      throw new Error(
        `pretext batch: sample ${i} has ${s.pixels.length} pixel values and ${s.targets.length} targets, expected ${perImage} and ${perTargets}`,
      );
    }
    const mirror = flip[i] ?? false;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const src = (y * W + (mirror ? W - 1 - x : x)) * 3;
        const dst = i * perImage + (y * W + x) * 3;
        pixels[dst] = s.pixels[src] / 255;
        pixels[dst + 1] = s.pixels[src + 1] / 255;
        pixels[dst + 2] = s.pixels[src + 2] / 255;
      }
    }
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const src = (y * gw + (mirror ? gw - 1 - x : x)) * groups;
        targets.set(s.targets.subarray(src, src + groups), i * perTargets + (y * gw + x) * groups);
      }
    }
  });
  return { pixels, targets, size: samples.length };
}
