import * as tf from '@tensorflow/tfjs-core';

/**
 * Each cell's column and row, from -1 (left, top) to 1 (right, bottom): [1, h, w, 2], channel 0 the column and
 * channel 1 the row; 0 along a side of one cell. The built-in extractor's x/y feature channels and the stem's
 * coordinate channels (module-net's `coordinates`) are these maps.
 */
export function coordinateMaps(h: number, w: number): tf.Tensor4D {
  const along = (n: number) => Array.from({ length: n }, (_, i) => (n === 1 ? 0 : (2 * i) / (n - 1) - 1));
  const columns = along(w);
  const rows = along(h);
  const values = new Float32Array(h * w * 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      values[(y * w + x) * 2] = columns[x];
      values[(y * w + x) * 2 + 1] = rows[y];
    }
  }
  return tf.tensor4d(values, [1, h, w, 2]);
}
