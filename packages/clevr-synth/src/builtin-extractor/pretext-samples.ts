import { resizeBilinear } from '@mmnet/clevr-data';
import { labelMapsFromObjectIds } from '../render/label-maps.js';
import { renderScene } from '../render/render-scene.js';
import { generateScene } from '../scene/generate.js';
import { ATTRIBUTE_GROUPS, attributeClassTargets } from './attribute-groups.js';

export interface PretextSampleOptions {
  /** Dataset seed and image index (`generateScene`): the same pair always gives the same sample. */
  seed: number;
  index: number;
  /** Size the scene is rendered at (CLEVR: 480x320), then resized as extraction resizes PNGs. */
  renderWidth?: number;
  renderHeight?: number;
  /** Network input size. */
  inputWidth: number;
  inputHeight: number;
  /** Label grid (the network's output grid). */
  gridWidth: number;
  gridHeight: number;
}

export interface PretextSample {
  /** [inputHeight, inputWidth, 3] RGB, 8-bit (the resized float image rounded back to bytes). */
  pixels: Uint8Array;
  /** [gridHeight * gridWidth, 4] class indices (colour, shape, material, size; last class = none). */
  targets: Int32Array;
  objects: number;
}

/**
 * One training or evaluation sample of the pretext task: a rendered scene resized to the input size, and
 * the per-cell attribute classes from the renderer's object-id buffer (majority over each cell).
 */
export function renderPretextSample(options: PretextSampleOptions): PretextSample {
  const width = options.renderWidth ?? 480;
  const height = options.renderHeight ?? 320;
  const { synthetic } = generateScene({
    seed: options.seed,
    index: options.index,
    split: 'pretext',
    width,
    height,
  });
  const image = renderScene(synthetic, { width, height });
  const float = new Float32Array(image.rgb.length);
  for (let i = 0; i < float.length; i++) float[i] = image.rgb[i] / 255;
  const resized = resizeBilinear({ width, height, data: float }, options.inputHeight, options.inputWidth);
  const pixels = new Uint8Array(resized.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(resized.data[i] * 255);
  const maps = labelMapsFromObjectIds(synthetic.objects, image.objectIds, width, height, {
    gridWidth: options.gridWidth,
    gridHeight: options.gridHeight,
    mode: 'majority',
  });
  return { pixels, targets: attributeClassTargets(maps), objects: synthetic.objects.length };
}

/** Number of values of `targets` per cell. */
export const TARGETS_PER_CELL = ATTRIBUTE_GROUPS.length;
