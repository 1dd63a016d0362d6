import { COLORS, MATERIALS, SHAPES, SIZES } from '../properties/index.js';
import type { AttributeLabelMaps } from '../render/label-maps.js';

/**
 * The pretext task of the built-in extractor: for each feature cell, one class per attribute group, the
 * attribute of the object covering most of the cell, or `none` when the ground covers the most.
 */
export const ATTRIBUTE_GROUPS = [
  { name: 'color', classes: [...COLORS, 'none'] },
  { name: 'shape', classes: [...SHAPES, 'none'] },
  { name: 'material', classes: [...MATERIALS, 'none'] },
  { name: 'size', classes: [...SIZES, 'none'] },
] as const;

export type AttributeGroupName = (typeof ATTRIBUTE_GROUPS)[number]['name'];

/** Total logits of all groups: 9 + 4 + 3 + 3 = 19. */
export const ATTRIBUTE_LOGITS = ATTRIBUTE_GROUPS.reduce((n, g) => n + g.classes.length, 0);

/** Names of the probability channels, in order (`color:red`, ..., `size:none`). */
export const ATTRIBUTE_CHANNELS: readonly string[] = ATTRIBUTE_GROUPS.flatMap((g) =>
  g.classes.map((c) => `${g.name}:${c}`),
);

/** First logit of each group. */
export const GROUP_OFFSETS: readonly number[] = ATTRIBUTE_GROUPS.map((_, i) =>
  ATTRIBUTE_GROUPS.slice(0, i).reduce((n, g) => n + g.classes.length, 0),
);

/**
 * Class indices per cell from majority label maps (`labelMapsFromObjectIds(..., { mode: 'majority' })`):
 * [cell][group] row-major over cells (row, column), int32; `none` (the last class) for ground cells.
 */
export function attributeClassTargets(maps: AttributeLabelMaps): Int32Array {
  const plane = maps.gridWidth * maps.gridHeight;
  const groups = ATTRIBUTE_GROUPS.length;
  const out = new Int32Array(plane * groups);
  // Label-map channel offsets of each group (colours, shapes, materials, sizes, then background).
  const labelOffsets = [0, COLORS.length, COLORS.length + SHAPES.length, COLORS.length + SHAPES.length + 2];
  const counts: number[] = [COLORS.length, SHAPES.length, MATERIALS.length, SIZES.length];
  for (let cell = 0; cell < plane; cell++) {
    for (let g = 0; g < groups; g++) {
      let cls = counts[g]; // none
      for (let k = 0; k < counts[g]; k++) {
        if (maps.data[(labelOffsets[g] + k) * plane + cell] > 0.5) cls = k;
      }
      out[cell * groups + g] = cls;
    }
  }
  return out;
}
