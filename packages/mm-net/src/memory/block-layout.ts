import { tf } from '@mmnet/core-tensors';
import type { BinaryBlockWeights, UnaryBlockWeights } from '@mmnet/module-net';

/**
 * How a memory row holds a residual block's kernels (HWIO, flattened row-major), k = 9 * dim * dim:
 * unary  = [conv1 dim->dim (k) | conv2 dim->dim (k)]                       width 2k
 * binary = [conv1 2dim->dim (2k) | conv2 dim->dim (k) | conv3 dim->dim (k)] width 4k
 * A bank holding both (PG_endtoend) has rows of width 4k; unary reads use the first 2k.
 */
export function blockRowWidths(dim: number): { kernel: number; unary: number; binary: number } {
  const kernel = 9 * dim * dim;
  return { kernel, unary: 2 * kernel, binary: 4 * kernel };
}

function kernelsOf(rows: tf.Tensor2D, sizes: number[], shapes: number[][], shared: boolean): tf.Tensor[] {
  const n = rows.shape[0];
  const used = sizes.reduce((a, b) => a + b, 0);
  const rest = rows.shape[1] - used;
  const parts = tf.split(rows, rest > 0 ? [...sizes, rest] : sizes, 1);
  return shapes.map((shape, i) => tf.reshape(parts[i], shared ? shape : [n, ...shape]));
}

/**
 * Unary block weights from rows [n, >= 2k]: shared rank-4 kernels when `shared` (n must be 1), else one
 * rank-5 kernel per row (for perSampleConv2d).
 */
export function unaryWeightsFromRows(rows: tf.Tensor2D, dim: number, shared: boolean): UnaryBlockWeights {
  if (shared && rows.shape[0] !== 1)
    throw new Error(`unaryWeightsFromRows: shared weights need 1 row, got ${rows.shape[0]}`);
  const { kernel, unary } = blockRowWidths(dim);
  if (rows.shape[1] < unary)
    throw new Error(`unaryWeightsFromRows: rows of width ${rows.shape[1]} < ${unary}`);
  const [k1, k2] = kernelsOf(
    rows,
    [kernel, kernel],
    [
      [3, 3, dim, dim],
      [3, 3, dim, dim],
    ],
    shared,
  );
  return { conv1: { kernel: k1 }, conv2: { kernel: k2 } };
}

/** Binary block weights from rows [n, 4k] (see unaryWeightsFromRows). */
export function binaryWeightsFromRows(rows: tf.Tensor2D, dim: number, shared: boolean): BinaryBlockWeights {
  if (shared && rows.shape[0] !== 1)
    throw new Error(`binaryWeightsFromRows: shared weights need 1 row, got ${rows.shape[0]}`);
  const { kernel, binary } = blockRowWidths(dim);
  if (rows.shape[1] < binary)
    throw new Error(`binaryWeightsFromRows: rows of width ${rows.shape[1]} < ${binary}`);
  const [k1, k2, k3] = kernelsOf(
    rows,
    [2 * kernel, kernel, kernel],
    [
      [3, 3, 2 * dim, dim],
      [3, 3, dim, dim],
      [3, 3, dim, dim],
    ],
    shared,
  );
  return { conv1: { kernel: k1 }, conv2: { kernel: k2 }, conv3: { kernel: k3 } };
}

/** Kernels of a block flattened into one row, in the layout above (for copying module weights into memory). */
export function blockKernelsToRow(kernels: tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.concat(
        kernels.map((k) => tf.reshape(k, [-1])),
        0,
      ) as tf.Tensor1D,
  );
}
