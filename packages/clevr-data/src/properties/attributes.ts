/**
 * The attribute table of CLEVR objects, copied from the CLEVR generator's `properties.json`
 * (shapes, the 8 colours with their RGB values, materials, sizes). The package never reads that file
 * at run time: these constants are the facts.
 */

/** The shapes, in CLEVR's order. */
export const SHAPES = ['cube', 'sphere', 'cylinder'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** The colours, in CLEVR's order. */
export const COLORS = ['gray', 'red', 'blue', 'green', 'brown', 'purple', 'cyan', 'yellow'] as const;
export type ColorName = (typeof COLORS)[number];

/** The materials, in CLEVR's order. */
export const MATERIALS = ['rubber', 'metal'] as const;
export type MaterialName = (typeof MATERIALS)[number];

/** The sizes, in CLEVR's order. */
export const SIZES = ['large', 'small'] as const;
export type SizeName = (typeof SIZES)[number];

/** 8-bit RGB of each colour, as in properties.json (used as linear albedo by the renderer, as Blender does). */
export const COLOR_RGB: Readonly<Record<ColorName, readonly [number, number, number]>> = {
  gray: [87, 87, 87],
  red: [173, 35, 35],
  blue: [42, 75, 215],
  green: [29, 105, 20],
  brown: [129, 74, 25],
  purple: [129, 38, 192],
  cyan: [41, 208, 208],
  yellow: [255, 238, 51],
};

/**
 * The radius of each size in scene units (properties.json). A sphere of this size has this radius, a
 * cylinder this radius and half-height, and a cube half this edge times sqrt(2) (CLEVR divides the
 * scale of cubes by sqrt(2) so that their footprint matches the others').
 */
export const SIZE_RADIUS: Readonly<Record<SizeName, number>> = {
  large: 0.7,
  small: 0.35,
};

/** The object names of the CLEVR Blender assets, as in properties.json (for reference only). */
export const SHAPE_ASSET: Readonly<Record<ShapeName, string>> = {
  cube: 'SmoothCube_v2',
  sphere: 'Sphere',
  cylinder: 'SmoothCylinder',
};

/** The Blender material names of CLEVR's materials, as in properties.json (for reference only). */
export const MATERIAL_ASSET: Readonly<Record<MaterialName, string>> = {
  rubber: 'Rubber',
  metal: 'MyMetal',
};

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export const isShapeName = (v: unknown): v is ShapeName => isOneOf(SHAPES, v);
export const isColorName = (v: unknown): v is ColorName => isOneOf(COLORS, v);
export const isMaterialName = (v: unknown): v is MaterialName => isOneOf(MATERIALS, v);
export const isSizeName = (v: unknown): v is SizeName => isOneOf(SIZES, v);
