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

/** A 2-D transpose that is a free reshape when one side is 1. */
function transposeMatrix(t: tf.Tensor): tf.Tensor {
  const [rows, cols] = t.shape as [number, number];
  return rows === 1 || cols === 1 ? tf.reshape(t, [cols, rows]) : tf.transpose(t);
}

/**
 * Which transpose flags of a product are fast on the active backend. Stock wasm (XNNPACK): none, a flagged
 * product is ~13x slower than a plain one. wasm with @mmnet/native-kernels (BLAS): transposeA only (BLAS
 * with B transposed was measured ~3x slower than plain). Other backends: both.
 */
function fastTransposeFlags(): { a: boolean; b: boolean } {
  if (tf.getBackend() !== 'wasm') return { a: true, b: true };
  return hasSlowBatchedMatMul() ? { a: false, b: false } : { a: true, b: false };
}

/**
 * a^T @ b for 2-D a [K, M] and b [K, N]: one flagged product where that is fast; otherwise the cheaper of
 * transposing a, or computing (b^T @ a)^T (transposes of b and of the [M, N] result: free when a side is 1, as
 * in the gradient of a layer with one output).
 */
function productTransposedA(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (fastTransposeFlags().a) return tf.matMul(a, b, true, false);
  const [k, m] = a.shape as [number, number];
  const n = b.shape[1] as number;
  const viaA = m === 1 || k === 1 ? 0 : k * m;
  const viaB = (k === 1 || n === 1 ? 0 : k * n) + (m === 1 || n === 1 ? 0 : m * n);
  if (viaA <= viaB) return tf.matMul(transposeMatrix(a), b);
  return transposeMatrix(tf.matMul(transposeMatrix(b), a));
}

/** a @ b^T for 2-D a [M, K] and b [N, K], by the same rule as productTransposedA. */
function productTransposedB(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (fastTransposeFlags().b) return tf.matMul(a, b, false, true);
  const [m, k] = a.shape as [number, number];
  const n = b.shape[0] as number;
  const viaB = n === 1 || k === 1 ? 0 : n * k;
  const viaA = (m === 1 || k === 1 ? 0 : m * k) + (m === 1 || n === 1 ? 0 : m * n);
  if (viaB <= viaA) return tf.matMul(a, transposeMatrix(b));
  return transposeMatrix(tf.matMul(b, transposeMatrix(a)));
}

/**
 * Matrix product of [..., M, K] and [..., K, N] (rank 2 or 3, batch dims equal or one side 2-D).
 * Its gradient avoids transpose flags on stock wasm, where a flagged product is ~13x slower than a plain one:
 * it transposes whichever operands are cheapest (see productTransposedA).
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
      if (sa.rank === 2 && sb.rank === 2) return [productTransposedB(g, sb), productTransposedA(sa, g)];
      if (sa.rank === 3 && sb.rank === 2) {
        // b was broadcast over the batch: fold the batch into M for both gradients.
        const [n, m, k] = sa.shape;
        const cols = g.shape[2] as number;
        const g2 = tf.reshape(g, [n * m, cols]);
        return [
          tf.reshape(productTransposedB(g2, sb), [n, m, k]),
          productTransposedA(tf.reshape(sa, [n * m, k]), g2),
        ];
      }
      let da = product(g, swapLastTwo(sb));
      const db =
        sa.rank === 2
          ? product(swapLastTwo(tf.broadcastTo(sa, [sb.shape[0], ...sa.shape])), g)
          : product(swapLastTwo(sa), g);
      if (sa.rank === 2) da = tf.sum(da, 0);
      return [da, db];
    },
  };
});
