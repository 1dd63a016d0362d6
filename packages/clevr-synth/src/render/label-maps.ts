import { COLORS, MATERIALS, SHAPES, SIZES } from '@mmnet/clevr-data';
import type { SyntheticObject, SyntheticScene } from '../geometry/index.js';
import { BACKGROUND_ID } from './scene-renderer.js';
import { renderObjectIds } from './visibility.js';

/**
 * Channel names of the attribute label maps: one channel per colour, shape, material and size value (in the
 * attribute table's order), then `background`: 8 + 3 + 2 + 2 + 1 = 16 channels.
 */
export const LABEL_MAP_CHANNELS: readonly string[] = [
  ...COLORS.map((c) => `color:${c}`),
  ...SHAPES.map((s) => `shape:${s}`),
  ...MATERIALS.map((m) => `material:${m}`),
  ...SIZES.map((s) => `size:${s}`),
  'background',
];

/** Per-cell attribute labels on a grid (e.g. 14x14 or 20x30), for training a feature extractor. */
export interface AttributeLabelMaps {
  gridWidth: number;
  gridHeight: number;
  channels: readonly string[];
  /** Channel-major [channel][row][column] values (Float32, length channels * gridHeight * gridWidth). */
  data: Float32Array;
  /** The object each cell is labelled with (the one covering most of the cell), or -1 for the ground. */
  cellObjects: Int16Array;
}

export interface LabelMapOptions {
  gridWidth: number;
  gridHeight: number;
  /**
   * `majority` (default): one-hot attributes of the visible object covering most of each cell (or the
   * background channel when the ground covers the most). `coverage`: for each attribute value, the
   * fraction of the cell's pixels showing an object with it (`background`: the fraction showing ground).
   */
  mode?: 'majority' | 'coverage';
}

function channelOffsets(o: SyntheticObject): [number, number, number, number] {
  const c = COLORS.indexOf(o.color);
  const s = COLORS.length + SHAPES.indexOf(o.shape);
  const m = COLORS.length + SHAPES.length + MATERIALS.indexOf(o.material);
  const z = COLORS.length + SHAPES.length + MATERIALS.length + SIZES.indexOf(o.size);
  return [c, s, m, z];
}

/** Label maps from an object-id buffer (front-most object per pixel, -1 for the ground) of size width x height. */
export function labelMapsFromObjectIds(
  objects: readonly SyntheticObject[],
  objectIds: Int16Array,
  width: number,
  height: number,
  options: LabelMapOptions,
): AttributeLabelMaps {
  const { gridWidth: gw, gridHeight: gh } = options;
  const mode = options.mode ?? 'majority';
  if (!Number.isInteger(gw) || !Number.isInteger(gh) || gw < 1 || gh < 1) {
    throw new Error(`label maps: gridWidth and gridHeight must be positive integers, got ${gw}x${gh}`);
  }
  if (gw > width || gh > height)
    throw new Error(`label maps: grid ${gw}x${gh} is finer than the ${width}x${height} id buffer`);
  if (objectIds.length !== width * height) {
    throw new Error(`label maps: objectIds has ${objectIds.length} entries, expected ${width * height}`);
  }
  const offsets = objects.map(channelOffsets);
  const nc = LABEL_MAP_CHANNELS.length;
  const bg = nc - 1;
  const plane = gw * gh;
  const data = new Float32Array(nc * plane);
  const cellObjects = new Int16Array(plane);
  const counts = new Int32Array(objects.length + 1); // last slot: ground
  for (let cy = 0; cy < gh; cy++) {
    const y0 = Math.floor((cy * height) / gh);
    const y1 = Math.floor(((cy + 1) * height) / gh);
    for (let cx = 0; cx < gw; cx++) {
      const x0 = Math.floor((cx * width) / gw);
      const x1 = Math.floor(((cx + 1) * width) / gw);
      counts.fill(0);
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const id = objectIds[y * width + x];
          if (id === BACKGROUND_ID) counts[objects.length]++;
          else if (id >= 0 && id < objects.length) counts[id]++;
          else
            throw new Error(
              `label maps: object id ${id} at pixel (${x}, ${y}) but the scene has ${objects.length} objects`,
            );
        }
      }
      const cell = cy * gw + cx;
      const total = (x1 - x0) * (y1 - y0);
      // Majority: the object with the most pixels (ties go to the lower index); ground when it has more.
      let best = -1;
      let bestCount = counts[objects.length];
      for (let k = 0; k < objects.length; k++) {
        if (counts[k] > bestCount) {
          best = k;
          bestCount = counts[k];
        }
      }
      cellObjects[cell] = best;
      if (mode === 'majority') {
        if (best < 0) data[bg * plane + cell] = 1;
        else for (const ch of offsets[best]) data[ch * plane + cell] = 1;
      } else {
        data[bg * plane + cell] = counts[objects.length] / total;
        for (let k = 0; k < objects.length; k++) {
          if (counts[k] === 0) continue;
          for (const ch of offsets[k]) data[ch * plane + cell] += counts[k] / total;
        }
      }
    }
  }
  return { gridWidth: gw, gridHeight: gh, channels: LABEL_MAP_CHANNELS, data, cellObjects };
}

/**
 * Attribute label maps of a scene: renders its object-id buffer (default 480x320) and labels each cell of a
 * gridWidth x gridHeight grid over the image.
 */
export function attributeLabelMaps(
  scene: SyntheticScene,
  options: LabelMapOptions & { renderWidth?: number; renderHeight?: number },
): AttributeLabelMaps {
  const width = options.renderWidth ?? 480;
  const height = options.renderHeight ?? 320;
  const { objectIds } = renderObjectIds(scene, width, height);
  return labelMapsFromObjectIds(scene.objects, objectIds, width, height, options);
}
