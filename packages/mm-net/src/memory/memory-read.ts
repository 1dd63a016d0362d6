import { tf } from '@mmnet/core-tensors';

function columns(memory: tf.Tensor2D, start: number, width: number): tf.Tensor2D {
  return width === memory.shape[1] ? memory : tf.slice(memory, [0, start], [memory.shape[0], width]);
}

/**
 * Reads a memory bank: addresses [n, rows] times the columns [start, start + width) of the memory [rows, W]
 * -> [n, width], differentiable in both. A generic product op saves both operands for its backward pass, and
 * tfjs saves by copy (on wasm a full copy of the memory at every read); here the memory, a variable that
 * outlives the backward pass, is read again by the gradient and only the addresses are saved. The columns
 * are cut in the forward and again in the backward, each a transient slice.
 */
export function readMemoryColumns(
  addresses: tf.Tensor2D,
  memory: tf.Variable,
  start: number,
  width: number,
): tf.Tensor2D {
  const [rows, total] = memory.shape as [number, number];
  if (addresses.rank !== 2 || addresses.shape[1] !== rows) {
    throw new Error(`readMemoryColumns: addresses must be [n, ${rows}], got [${addresses.shape}]`);
  }
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(width) ||
    start < 0 ||
    width < 1 ||
    start + width > total
  ) {
    throw new Error(
      `readMemoryColumns: columns [${start}, ${start + width}) are outside a memory of width ${total}`,
    );
  }
  const read = tf.customGrad((a, m, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor]);
    const value = tf.tidy(() => tf.matMul(a as tf.Tensor2D, columns(m as tf.Tensor2D, start, width)));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const g = dy as tf.Tensor2D;
          const sa = saved[0] as tf.Tensor2D;
          // Plain products of explicit transposes: transpose flags are slow on wasm.
          const dA = tf.matMul(g, tf.transpose(columns(memory as tf.Tensor as tf.Tensor2D, start, width)));
          const dColumns = tf.matMul(tf.transpose(sa), g);
          const dM =
            width === total
              ? dColumns
              : tf.pad(dColumns, [
                  [0, 0],
                  [start, total - start - width],
                ]);
          return [dA, dM];
        }),
    };
  });
  return read(addresses, memory) as tf.Tensor2D;
}
