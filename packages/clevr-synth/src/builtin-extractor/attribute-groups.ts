import { COLORS, MATERIALS, SHAPES, SIZES } from '@mmnet/clevr-data';
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

/**
 * The network's per-cell logits: one objectness logit (an object vs the ground), then the attribute
 * logits of each group without `none` (colour 8, shape 3, material 2, size 2): 1 + 15 = 16. The
 * attribute heads are trained on cells showing an object only, so they never compete with the ground.
 */
export const ATTRIBUTE_LOGITS = 1 + ATTRIBUTE_GROUPS.reduce((n, g) => n + g.classes.length - 1, 0);

/** Index of the objectness logit. */
export const OBJECTNESS_LOGIT = 0;

/** First logit of each group's attribute values (`none` has no logit of its own). */
export const GROUP_OFFSETS: readonly number[] = ATTRIBUTE_GROUPS.map(
  (_, i) => 1 + ATTRIBUTE_GROUPS.slice(0, i).reduce((n, g) => n + g.classes.length - 1, 0),
);

/**
 * Names of the probability channels of the features, in the order of the label maps
 * (`LABEL_MAP_CHANNELS`): p(object and colour = gray), ..., p(object and size = small), p(background).
 */
export const ATTRIBUTE_CHANNELS: readonly string[] = [
  ...ATTRIBUTE_GROUPS.flatMap((g) => g.classes.filter((c) => c !== 'none').map((c) => `${g.name}:${c}`)),
  'background',
];

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
