import { type FloatRgbImage, resizeBilinear } from '@mmnet/clevr-data';

/** The map of a grid (row-major [h, w]) scaled to [0, 1] by its maximum (all zeros stay zeros). */
function normalised(map: ArrayLike<number>): Float32Array {
  let max = 0;
  for (let i = 0; i < map.length; i++) max = Math.max(max, map[i]);
  const out = new Float32Array(map.length);
  if (max > 0) for (let i = 0; i < map.length; i++) out[i] = Math.max(0, map[i]) / max;
  return out;
}

/**
 * A step's map over the image: the grid map (scaled by its maximum) is stretched bilinearly over the whole image
 * (the feature grid covers the stretched image) and shown by brightness with a light yellow tint: where the map is
 * high the image keeps its colours (a fifth yellow), where it is low the image goes dark.
 */
export function overlayImage(
  image: FloatRgbImage,
  map: ArrayLike<number>,
  shape: [number, number],
): FloatRgbImage {
  const [h, w] = shape;
  const grid = normalised(map);
  const rgbGrid = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) rgbGrid.fill(grid[i], i * 3, i * 3 + 3);
  const up = resizeBilinear({ width: w, height: h, data: rgbGrid }, image.height, image.width).data;
  const out = new Float32Array(image.data.length);
  const tint = [1, 0.85, 0.1];
  for (let p = 0; p < image.width * image.height; p++) {
    const v = Math.min(1, Math.max(0, up[p * 3]));
    for (let c = 0; c < 3; c++) {
      const x = image.data[p * 3 + c];
      out[p * 3 + c] = x * (0.12 + 0.88 * v) * (1 - 0.2 * v) + 0.2 * v * tint[c];
    }
  }
  return { width: image.width, height: image.height, data: out };
}
