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
 * Compares chosen tokens [N * T] (row-major, the argmax of every step in evaluation) with the aligned layouts of
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
