import { conv2d, type ParameterScope, tf } from '@mmnet/core-tensors';
import { applyMemberDense, type MemberDense } from '@mmnet/module-net';
import { applyFilm, type Film } from './fused-selection.js';
import type { StackEntry } from './soft-stack.js';

/*
 * module-net's answering families (answer_unary: query, count, exist on one selection; answer_binary: equal and
 * compare on two answer codes) pool their inputs, then ReLU(combine) and ReLU(output) -> the answer code. A stack
 * entry is `features * attention + code`, so the pools are cheap to compute from the entry without its map: the sum
 * over the cells is attention^T features + cells * code. Both families' banks are read as one: each member's
 * `combine` weights laid out over [selected mean of the top, mean of the top, blob features of the top, mean of the
 * entry below] (zero rows for the pools a member does not read; a binary member's first input is the entry below),
 * so a stack step runs both in one call of two small products, and a one-hot address computes exactly its member.
 */

interface AnsweringFamily {
  arity: 1 | 2;
  combineWeight: tf.Variable;
  combineBias: tf.Variable;
  outputWeight: tf.Variable;
  outputBias: tf.Variable;
  /** answer_unary's blob-count kernel [3, 3, 1, filters] and bias (countFilters > 0). */
  countKernel: tf.Variable | null;
  countBias: tf.Variable | null;
}

export class FusedAnswers {
  private readonly families: AnsweringFamily[];
  private readonly filters: number;

  constructor(
    modules: ParameterScope,
    families: readonly { name: string; arity: 1 | 2 }[],
    private readonly dim: number,
  ) {
    this.families = families.map((f) => {
      const s = modules.scope(f.name);
      const counted = f.arity === 1 && s.has('count.kernel');
      return {
        arity: f.arity,
        combineWeight: s.get('combine.weight'),
        combineBias: s.get('combine.bias'),
        outputWeight: s.get('output.weight'),
        outputBias: s.get('output.bias'),
        countKernel: counted ? s.get('count.kernel') : null,
        countBias: counted ? s.get('count.bias') : null,
      };
    });
    const counts = this.families.filter((f) => f.countKernel);
    if (counts.length > 1) throw new Error('fused answers: more than one family with count filters');
    this.filters = counts.length ? (counts[0].countKernel!.shape[3] ?? 0) : 0;
  }

  /** Every per-member parameter of the families (first dimension: the members; not the shared count kernel). */
  memberVariables(): tf.Variable[] {
    return this.families.flatMap((f) => [f.combineWeight, f.combineBias, f.outputWeight, f.outputBias]);
  }

  private banks(): { combine: MemberDense; output: MemberDense } {
    const d = this.dim;
    const k = this.filters;
    const rows = (w: tf.Tensor, from: number, size: number) =>
      tf.slice(w, [0, from, 0], [w.shape[0], size, w.shape[2]!]);
    const zeros = (w: tf.Tensor, size: number) => tf.zeros([w.shape[0], size, w.shape[2]!]);
    const combine = this.families.map((f) => {
      const w = f.combineWeight;
      if (f.arity === 1) {
        const parts = [rows(w, 0, 2 * d)];
        if (k > 0) parts.push(f.countKernel ? rows(w, 2 * d, k) : zeros(w, k));
        parts.push(zeros(w, d));
        return tf.concat(parts, 1);
      }
      const parts = [zeros(w, d), rows(w, d, d)];
      if (k > 0) parts.push(zeros(w, k));
      parts.push(rows(w, 0, d));
      return tf.concat(parts, 1);
    });
    const cat = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0] : tf.concat(xs, 0));
    const layer = (weight: tf.Tensor, bias: tf.Tensor) => ({ weight, bias }) as unknown as MemberDense;
    return {
      combine: layer(cat(combine), cat(this.families.map((f) => f.combineBias))),
      output: layer(
        cat(this.families.map((f) => f.outputWeight)),
        cat(this.families.map((f) => f.outputBias)),
      ),
    };
  }

  /**
   * The answer code [N, d] (its last channel 1, as the families' maps carry) of every row: `top`, `below` the
   * stack entries, `features` the stem's [N, H, W, d], `address` [N, members] over both families' members,
   * `film` the control vector's scale and shift of the hidden layer (null: none).
   */
  apply(
    top: StackEntry,
    below: StackEntry,
    features: tf.Tensor4D,
    address: tf.Tensor2D,
    film: Film | null = null,
  ): tf.Tensor2D {
    const [n, h, w, d] = features.shape;
    const cells = h * w;
    const flat = tf.reshape(features, [n, cells, d]) as tf.Tensor3D;
    const sums = (e: StackEntry) =>
      tf.add(
        tf.reshape(tf.matMul(tf.reshape(e.attention, [n, 1, cells]), flat), [n, d]),
        tf.mul(e.code, cells),
      ) as tf.Tensor2D;
    const topSums = sums(top);
    const mass = tf.slice(topSums, [0, d - 1], [n, 1]);
    const parts: tf.Tensor[] = [tf.div(topSums, tf.add(mass, 1e-3)), tf.div(topSums, cells)];
    const counted = this.families.find((f) => f.countKernel);
    if (counted) {
      // The top's carried attention (its map's last channel: the features' is 1).
      const carried = tf.reshape(tf.add(top.attention, tf.slice(top.code, [0, d - 1], [n, 1])), [
        n,
        h,
        w,
        1,
      ]) as tf.Tensor4D;
      const blobs = conv2d(
        carried,
        counted.countKernel as tf.Tensor as tf.Tensor4D,
        counted.countBias as tf.Tensor as tf.Tensor1D,
        {
          stride: 1,
          padding: 'same',
        },
      );
      parts.push(tf.sum(tf.relu(blobs), [1, 2]));
    }
    parts.push(tf.div(sums(below), cells));
    const pooled = tf.reshape(tf.concat(parts, 1), [n, 1, -1]) as tf.Tensor3D;
    const banks = this.banks();
    const hidden = tf.relu(applyFilm(applyMemberDense(banks.combine, pooled, address), film)) as tf.Tensor3D;
    const code = tf.reshape(tf.relu(applyMemberDense(banks.output, hidden, address)), [n, d - 1]);
    return tf.concat([code, tf.ones([n, 1])], 1) as tf.Tensor2D;
  }
}
