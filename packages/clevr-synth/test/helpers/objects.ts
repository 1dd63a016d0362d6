import type { SyntheticObject } from '../../src/index.js';

/** A small metal object of the given colour and shape at the origin (label-map and extractor tests). */
export const obj = (color: SyntheticObject['color'], shape: SyntheticObject['shape']): SyntheticObject => ({
  shape,
  color,
  material: 'metal',
  size: 'small',
  position: [0, 0, 0.35],
  scale: 0.35,
  rotation: 0,
});
