import { matMul, tf } from '@mmnet/core-tensors';

/*
 * A differentiable stack (Stack-NMN, Hu et al. 2018) of what modules exchange: each entry is an attention over the
 * cells [HW] and a code [D]; the map it stands for is `features * attention + code` at every cell (a selection has
 * code 0, an answer attention 0, the whole scene attention 1). The top is where a soft pointer [S] puts its mass: a
 * pop reads the pointer-weighted entry and moves the pointer down, a push moves it up and writes there. Mixtures
 * of pointers and writes keep everything differentiable, and with a one-hot pointer it is an ordinary stack.
 */

/**
 * The stack's entries and pointer: attentions [N, S, HW], codes [N, S, D], pointer [N, S], and how much of each
 * entry is an answer (a code an answering module wrote) rather than a selection, [N, S].
 */
export interface SoftStack {
  attention: tf.Tensor3D;
  code: tf.Tensor3D;
  pointer: tf.Tensor2D;
  answer: tf.Tensor2D;
}

/** One value a stack entry holds: attention [N, HW], code [N, D], and its answer share [N] (absent: 0). */
export interface StackEntry {
  attention: tf.Tensor2D;
  code: tf.Tensor2D;
  answer?: tf.Tensor1D;
}

/**
 * Shift matrices [S, S] of a pointer: `up` moves mass one position up (the top position keeps its own), `down` one
 * position down (position 0, the bottom, keeps its own: popping an empty stack reads the bottom entry again).
 * Kept tensors; the caller disposes them.
 */
export function pointerShifts(depth: number): { up: tf.Tensor2D; down: tf.Tensor2D } {
  if (!(Number.isInteger(depth) && depth >= 2))
    throw new Error(`soft stack: depth must be >= 2, got ${depth}`);
  const up = new Float32Array(depth * depth);
  const down = new Float32Array(depth * depth);
  for (let s = 0; s < depth; s++) {
    up[s * depth + Math.min(s + 1, depth - 1)] = 1;
    down[s * depth + Math.max(s - 1, 0)] = 1;
  }
  return {
    up: tf.keep(tf.tensor2d(up, [depth, depth])),
    down: tf.keep(tf.tensor2d(down, [depth, depth])),
  };
}

/**
 * A stack of `depth` entries for a batch of `batch`: every entry the whole scene (attention 1, code 0), the pointer
 * at the bottom (position 0). A module that pops an empty stack reads the scene.
 */
export function sceneStack(batch: number, depth: number, cells: number, codeDim: number): SoftStack {
  const pointer = new Float32Array(batch * depth);
  for (let n = 0; n < batch; n++) pointer[n * depth] = 1;
  return {
    attention: tf.ones([batch, depth, cells]) as tf.Tensor3D,
    code: tf.zeros([batch, depth, codeDim]) as tf.Tensor3D,
    pointer: tf.tensor2d(pointer, [batch, depth]),
    answer: tf.zeros([batch, depth]) as tf.Tensor2D,
  };
}

/**
 * `x` with its entries below 1e-10 set to 0 (for non-negative weights such as probabilities and pointers): no
 * float32 sum with the larger entries can hold them, and the denormal numbers their products become make every
 * kernel slow (a sharply trained controller halved the stack executor's speed). Their gradient becomes 0 too.
 */
export function flushTiny<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.step(tf.sub(x, 1e-10))) as T;
}

/**
 * A pointer [N, S] moved to its most likely position, one-hot (Stack-NMN's hard sharpening). It passes no gradient:
 * what reaches the address is through the entries written, not through where the pointer goes.
 */
export function sharpenPointer(pointer: tf.Tensor2D): tf.Tensor2D {
  return tf.oneHot(tf.argMax(pointer, 1), pointer.shape[1], 1, 0, 'float32') as tf.Tensor2D;
}

/** Moves a pointer [N, S] by a shift matrix [S, S]. */
export function shiftPointer(pointer: tf.Tensor2D, shift: tf.Tensor2D): tf.Tensor2D {
  return matMul(pointer, shift) as tf.Tensor2D;
}

/** The entry at a pointer [N, S] (its weighted mean over the positions). */
export function readAt(stack: SoftStack, pointer: tf.Tensor2D): StackEntry {
  const [n, s] = pointer.shape;
  const p = tf.reshape(pointer, [n, 1, s]) as tf.Tensor3D;
  return {
    attention: tf.reshape(matMul(p, stack.attention), [n, stack.attention.shape[2]]) as tf.Tensor2D,
    code: tf.reshape(matMul(p, stack.code), [n, stack.code.shape[2]]) as tf.Tensor2D,
  };
}

/**
 * Several pushes at once, mixed: each write puts `entry` at the position of its pointer with weight `weight` [N]
 * (the writes' weights summing to at most 1 per sample; the rest of the mass leaves the stack as it was). Entry s
 * becomes old_s * (1 - sum_w w p_w[s]) + sum_w w p_w[s] * entry_w.
 */
export function mixedWrite(
  stack: SoftStack,
  writes: readonly { pointer: tf.Tensor2D; weight: tf.Tensor1D; entry: StackEntry }[],
  pointer: tf.Tensor2D,
): SoftStack {
  const [n, s] = stack.pointer.shape;
  let keep: tf.Tensor2D | null = null;
  let attention: tf.Tensor3D | null = null;
  let code: tf.Tensor3D | null = null;
  let answer: tf.Tensor2D | null = null;
  for (const w of writes) {
    const where = tf.mul(w.pointer, tf.reshape(w.weight, [n, 1])) as tf.Tensor2D; // [N, S]
    keep = keep ? (tf.add(keep, where) as tf.Tensor2D) : where;
    const at = tf.reshape(where, [n, s, 1]);
    const a = tf.mul(at, tf.reshape(w.entry.attention, [n, 1, -1])) as tf.Tensor3D;
    const c = tf.mul(at, tf.reshape(w.entry.code, [n, 1, -1])) as tf.Tensor3D;
    attention = attention ? (tf.add(attention, a) as tf.Tensor3D) : a;
    code = code ? (tf.add(code, c) as tf.Tensor3D) : c;
    if (w.entry.answer) {
      const k = tf.mul(where, tf.reshape(w.entry.answer, [n, 1])) as tf.Tensor2D;
      answer = answer ? (tf.add(answer, k) as tf.Tensor2D) : k;
    }
  }
  if (!keep || !attention || !code) return { ...stack, pointer };
  const kept = tf.sub(1, keep) as tf.Tensor2D;
  const old = tf.reshape(kept, [n, s, 1]);
  const oldAnswer = tf.mul(stack.answer, kept) as tf.Tensor2D;
  return {
    attention: tf.add(tf.mul(stack.attention, old), attention) as tf.Tensor3D,
    code: tf.add(tf.mul(stack.code, old), code) as tf.Tensor3D,
    pointer,
    answer: answer ? (tf.add(oldAnswer, answer) as tf.Tensor2D) : oldAnswer,
  };
}

/**
 * The token columns [V, 1] of each kind of module (1 where a token is of that kind): selecting or answering, one or
 * two inputs. Tokens of no kind (the scene, the no-op) always run.
 */
export interface TokenKinds {
  selectingUnary: tf.Tensor2D;
  selectingBinary: tf.Tensor2D;
  answeringUnary: tf.Tensor2D;
  answeringBinary: tf.Tensor2D;
}

/**
 * Each token's validity [N, V] on `stack` (Stack-NMN's module validity, with two kinds of value): a selecting or
 * one-input answering token needs a selection on top, a two-input selecting one two selections, a two-input answering
 * one two answers; two inputs need the pointer above the bottom. 1 for the tokens of no kind; 0 or 1 on a one-hot
 * stack, between them on a soft one.
 */
export function tokenValidity(stack: SoftStack, kinds: TokenKinds, down: tf.Tensor2D): tf.Tensor2D {
  const p = stack.pointer;
  const n = p.shape[0];
  const answerAt = (pointer: tf.Tensor2D) =>
    tf.reshape(tf.sum(tf.mul(pointer, stack.answer), 1), [n, 1]) as tf.Tensor2D;
  const top = answerAt(p);
  const below = answerAt(shiftPointer(p, down));
  const two = tf.sub(1, tf.slice(p, [0, 0], [n, 1])) as tf.Tensor2D;
  const selection = tf.sub(1, top) as tf.Tensor2D;
  // 1 for every token, then each kind's validity in place of 1 on its columns.
  let valid: tf.Tensor2D = tf.ones([n, kinds.selectingUnary.shape[0]]);
  const setKind = (column: tf.Tensor2D, v: tf.Tensor2D) => {
    valid = tf.add(valid, matMul(tf.sub(v, 1) as tf.Tensor2D, tf.transpose(column))) as tf.Tensor2D;
  };
  setKind(kinds.selectingUnary, selection);
  setKind(kinds.selectingBinary, tf.mul(tf.mul(selection, tf.sub(1, below)), two) as tf.Tensor2D);
  setKind(kinds.answeringUnary, selection);
  setKind(kinds.answeringBinary, tf.mul(tf.mul(top, below), two) as tf.Tensor2D);
  return valid;
}

/**
 * An address [N, V] times each token's validity on `stack` (`tokenValidity`), renormalised. With a one-hot stack and
 * a well-typed one-hot address it returns the address.
 */
export function validAddress(
  address: tf.Tensor2D,
  stack: SoftStack,
  kinds: TokenKinds,
  down: tf.Tensor2D,
): tf.Tensor2D {
  const kept = tf.mul(address, tokenValidity(stack, kinds, down));
  return tf.div(kept, tf.maximum(tf.sum(kept, 1, true), 1e-12)) as tf.Tensor2D;
}
