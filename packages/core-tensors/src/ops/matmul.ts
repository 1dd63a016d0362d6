import * as tf from '@tensorflow/tfjs-core';
import { hasSlowBatchedMatMul } from '../kernels/wasm-slice.js';
import { customGradient } from './custom-gradient.js';

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(t, perm);
}

/**
 * Product of two rank-3 tensors with equal batch sizes. On wasm, whose batched kernel is slow, the batch is
 * issued as 2-D XNNPACK products on in-place slices; elsewhere it is one batched call.
 */
export function batchedProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!hasSlowBatchedMatMul() || a.shape[0] === 1) return tf.matMul(a, b);
  return tf.tidy(() => {
    const [n, m, k] = a.shape;
    const cols = b.shape[2];
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const ai = tf.reshape(tf.slice(a, [i, 0, 0], [1, m, k]), [m, k]);
      const bi = tf.reshape(tf.slice(b, [i, 0, 0], [1, k, cols]), [k, cols]);
      parts.push(tf.reshape(tf.matMul(ai, bi), [1, m, cols]));
    }
    return tf.concat(parts, 0) as tf.Tensor3D;
  });
}

/** Plain product (no transpose flags) of rank-2 or rank-3 operands with broadcasting of a 2-D side. */
function product(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 3 && b.rank === 3) return batchedProduct(a as tf.Tensor3D, b as tf.Tensor3D);
  if (a.rank === 3 && b.rank === 2) {
    const [n, m, k] = a.shape as number[];
    return tf.reshape(tf.matMul(tf.reshape(a, [n * m, k]), b), [n, m, b.shape[1] as number]);
  }
  if (a.rank === 2 && b.rank === 3) {
    const [m, k] = a.shape as number[];
    return batchedProduct(tf.broadcastTo(a, [b.shape[0], m, k]) as tf.Tensor3D, b as tf.Tensor3D);
  }
  return tf.matMul(a, b);
}

/**
 * Matrix product of [..., M, K] and [..., K, N] (rank 2 or 3, batch dims equal or one side 2-D).
 * Its gradient uses explicit transposes followed by plain products: on wasm a product with a transpose
 * flag is ~13x slower than transposing the operand first.
 */
export const matMul = customGradient((save, a: tf.Tensor, b: tf.Tensor) => {
  save([a, b]);
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new Error(`matMul: operands must be rank 2 or 3, got [${a.shape}] and [${b.shape}]`);
  }
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
    throw new Error(`matMul: inner dimensions differ: [${a.shape}] @ [${b.shape}]`);
  }
  const value = product(a, b);
  return {
    value,
    gradFunc: (dy, saved) => {
      const g = dy;
      const [sa, sb] = saved;
      let da = product(g, swapLastTwo(sb));
      let db: tf.Tensor;
      if (sa.rank === 3 && sb.rank === 2) {
        // b was broadcast over the batch: sum its gradient over the batch by folding the batch into M.
        const [n, m, k] = sa.shape;
        db = tf.matMul(
          tf.transpose(tf.reshape(sa, [n * m, k])),
          tf.reshape(g, [n * m, g.shape[2] as number]),
        );
      } else if (sa.rank === 2 && sb.rank === 3) {
        db = product(swapLastTwo(tf.broadcastTo(sa, [sb.shape[0], ...sa.shape])), g);
      } else {
        db = product(swapLastTwo(sa), g);
      }
      if (sa.rank === 2 && sb.rank === 3) da = tf.sum(da, 0);
      return [da, db];
    },
  };
});
