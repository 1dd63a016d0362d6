import { tf } from '@mmnet/core-tensors';
import { END_ID, NULL_ID, type ProgramVocabulary, START_ID } from '@mmnet/programs';

/*
 * The alignment of a program with the stack executor's steps: the program's postfix order (every input subtree,
 * first input first, then the module; `scene` leaves included), then `<END>` (the no-op) up to the last step. With
 * one-hot addresses following it, the stack executor computes what the tree executor computes on the program.
 * Layout agreement and the weak supervision of the addresses use this alignment.
 */

/**
 * A prefix program row of token ids (`<START>`, `<NULL>` and everything from `<END>` on are skipped) -> its
 * aligned layout of `steps` ids, or null when the program has more than `steps` tokens or is not a whole tree.
 */
export function alignedLayout(
  prefix: ArrayLike<number>,
  programs: ProgramVocabulary,
  steps: number,
): number[] | null {
  const ids: number[] = [];
  for (let i = 0; i < prefix.length; i++) {
    const id = prefix[i];
    if (id === START_ID || id === NULL_ID) continue;
    if (id === END_ID) break;
    ids.push(id);
  }
  if (ids.length === 0 || ids.length > steps) return null;
  let pos = 0;
  const out: number[] = [];
  const visit = (): boolean => {
    if (pos >= ids.length) return false;
    const id = ids[pos++];
    const arity = programs.arity(id);
    if (arity === null) return false;
    for (let k = 0; k < arity; k++) if (!visit()) return false;
    out.push(id);
    return true;
  };
  if (!visit() || pos !== ids.length) return null;
  while (out.length < steps) out.push(END_ID);
  return out;
}

/** Layout agreement of a batch: questions whose every step's token equals the aligned program's, and steps. */
export interface LayoutAgreement {
  /** Questions with an aligned program (at most `steps` tokens). */
  aligned: number;
  /** Of those, the questions whose chosen token equals the aligned one at every step. */
  exact: number;
  /** Steps compared and steps equal, over the aligned questions. */
  steps: number;
  equalSteps: number;
}

/**
 * Compares chosen tokens [N * T] (row-major, e.g. `mostLikelyLayouts` in evaluation) with the aligned layouts of
 * prefix program rows.
 */
export function layoutAgreement(
  tokens: ArrayLike<number>,
  steps: number,
  programs: readonly ArrayLike<number>[],
  vocabulary: ProgramVocabulary,
): LayoutAgreement {
  const result: LayoutAgreement = { aligned: 0, exact: 0, steps: 0, equalSteps: 0 };
  programs.forEach((row, i) => {
    const target = alignedLayout(row, vocabulary, steps);
    if (!target) return;
    result.aligned++;
    let equal = 0;
    for (let t = 0; t < steps; t++) if (tokens[i * steps + t] === target[t]) equal++;
    result.steps += steps;
    result.equalSteps += equal;
    if (equal === steps) result.exact++;
  });
  return result;
}

/**
 * Weak supervision of the addresses: the mean cross-entropy of every step's scores [N, T, V] to the aligned layouts
 * (null rows, without a program or too long, are left out), and how many rows took part. Null when none did.
 */
export function layoutCrossEntropy(
  stepLogits: tf.Tensor3D,
  layouts: readonly (readonly number[] | null)[],
): { loss: tf.Scalar; rows: number } | null {
  const [n, T, V] = stepLogits.shape;
  if (layouts.length !== n)
    throw new Error(`layoutCrossEntropy: ${layouts.length} layouts for ${n} questions`);
  const rows = layouts.filter((l) => l !== null).length;
  if (rows === 0) return null;
  const targets = new Float32Array(n * T * V);
  layouts.forEach((layout, i) => {
    if (!layout) return;
    if (layout.length !== T)
      throw new Error(`layoutCrossEntropy: layout ${i} has ${layout.length} steps, not ${T}`);
    layout.forEach((id, t) => {
      targets[(i * T + t) * V + id] = 1;
    });
  });
  const logp = tf.logSoftmax(stepLogits);
  const total = tf.neg(tf.sum(tf.mul(tf.tensor3d(targets, [n, T, V]), logp)));
  return { loss: tf.div(total, rows * T) as tf.Scalar, rows };
}

/**
 * Each row's most likely layout that is one whole program under the postfix alignment: every module finds its
 * inputs on the stack, the stack never holds more than `depth` entries, and the program leaves exactly one
 * entry, after which every step is `<END>`. The steps' scores do not depend on the tokens chosen, so a Viterbi
 * pass over (step, stack size) finds it exactly. Per-step argmaxes often miss a module or add one, which the
 * executor cannot run as a program. scores: log-probabilities [N * T * V] row-major; returns token ids [N * T].
 */
export function mostLikelyLayouts(
  scores: ArrayLike<number>,
  n: number,
  steps: number,
  programs: ProgramVocabulary,
  depth: number,
): Int32Array {
  const V = programs.size;
  if (scores.length !== n * steps * V)
    throw new Error(`mostLikelyLayouts: ${scores.length} scores for ${n} x ${steps} x ${V}`);
  const modules = Array.from({ length: V }, (_, id) => programs.arity(id)).flatMap((arity, id) =>
    arity === null ? [] : [{ id, arity }],
  );
  // States 0..depth are stack sizes before <END>; state depth + 1 is "ended" (one entry left, then no-ops).
  const ended = depth + 1;
  const S = depth + 2;
  const out = new Int32Array(n * steps);
  const best = new Float64Array((steps + 1) * S);
  const from = new Int32Array(steps * S);
  const token = new Int32Array(steps * S);
  for (let i = 0; i < n; i++) {
    best.fill(-Infinity);
    best[0] = 0;
    for (let t = 0; t < steps; t++) {
      const row = (i * steps + t) * V;
      const move = (s: number, next: number, id: number) => {
        const score = best[t * S + s] + scores[row + id];
        if (score > best[(t + 1) * S + next]) {
          best[(t + 1) * S + next] = score;
          from[t * S + next] = s;
          token[t * S + next] = id;
        }
      };
      for (let s = 0; s <= depth; s++) {
        if (best[t * S + s] === -Infinity) continue;
        for (const { id, arity } of modules)
          if (arity <= s && s - arity + 1 <= depth) move(s, s - arity + 1, id);
        if (s === 1) move(s, ended, END_ID);
      }
      if (best[t * S + ended] > -Infinity) move(ended, ended, END_ID);
    }
    // A program that fills every step ends with one entry and no <END>.
    let s = best[steps * S + ended] >= best[steps * S + 1] ? ended : 1;
    if (best[steps * S + s] === -Infinity)
      throw new Error(`mostLikelyLayouts: no whole program fits in ${steps} steps`);
    for (let t = steps - 1; t >= 0; t--) {
      out[i * steps + t] = token[t * S + s];
      s = from[t * S + s];
    }
  }
  return out;
}
