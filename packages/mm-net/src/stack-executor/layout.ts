import { tf } from '@mmnet/core-tensors';
import {
  ANY_TYPE,
  arityTypes,
  END_ID,
  NULL_ID,
  type ProgramTypes,
  type ProgramVocabulary,
  START_ID,
} from '@mmnet/programs';

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

/** How `mostLikelyLayouts` searches. */
export interface LayoutSearchOptions {
  /** Most entries the stack holds (the stack executor's `stack.depth`). */
  depth: number;
  /** The modules' types; default: only their arity, from the vocabulary. */
  types?: ProgramTypes;
  /** Stacks of types kept per step (default 64). */
  beam?: number;
}

/**
 * Each row's most likely layout that is one whole, well-typed program under the postfix alignment: every module
 * finds inputs of its types on the stack, the stack never holds more than `depth` entries, and the program leaves
 * one entry of an answer type, after which every step is `<END>`. The steps' scores do not depend on the tokens
 * chosen, so a beam search over the stack's types finds it (exactly while the beam holds every reachable stack;
 * without types, a Viterbi pass over the stack's size finds it exactly).
 * Per-step argmaxes often miss a module, add one or count a colour, which the executor cannot run as a program.
 * scores: log-probabilities [N * T * V] row-major; returns token ids [N * T].
 */
export function mostLikelyLayouts(
  scores: ArrayLike<number>,
  n: number,
  steps: number,
  programs: ProgramVocabulary,
  options: LayoutSearchOptions,
): Int32Array {
  const V = checkScores('mostLikelyLayouts', scores, n, steps, programs);
  // Tokens below 1e-10 (as `flushTiny` zeroes them) are left out of the typed search.
  const typed = options.types && layoutSearch(programs, options.types, options, Math.log(1e-10));
  const modules = programs.tokens.flatMap((_, id) => {
    const arity = programs.arity(id);
    return arity === null ? [] : [{ id, arity }];
  });
  const out = new Int32Array(n * steps);
  for (let i = 0; i < n; i++) {
    const at = (t: number, id: number) => scores[(i * steps + t) * V + id];
    // The typed search can miss every program (beam, floor); then the most likely by arity alone.
    out.set(
      typed?.(at, steps, 1)[0]?.layout ?? mostLikelyByArity(at, steps, modules, options.depth),
      i * steps,
    );
  }
  return out;
}

/** A whole layout and its score (the sum of its steps' log-probabilities). */
export interface ScoredLayout {
  layout: number[];
  score: number;
}

/**
 * Each row's `k` most likely whole, well-typed layouts, best first (fewer where the beam holds fewer): the
 * candidates among which a layout that answers right can be found. Same scores and search as `mostLikelyLayouts`
 * (without `types`, the modules' arity alone), keeping up to `k` paths per stack of types.
 */
export function likelyLayouts(
  scores: ArrayLike<number>,
  n: number,
  steps: number,
  programs: ProgramVocabulary,
  k: number,
  options: LayoutSearchOptions,
): ScoredLayout[][] {
  if (!(Number.isInteger(k) && k >= 1))
    throw new Error(`likelyLayouts: k must be a positive integer, got ${k}`);
  const V = checkScores('likelyLayouts', scores, n, steps, programs);
  const types = options.types ?? arityTypes((token) => programs.arity(programs.id(token)));
  const search = layoutSearch(programs, types, options, Math.log(1e-10));
  return Array.from({ length: n }, (_, i) => search((t, id) => scores[(i * steps + t) * V + id], steps, k));
}

function checkScores(
  caller: string,
  scores: ArrayLike<number>,
  n: number,
  steps: number,
  programs: ProgramVocabulary,
): number {
  const V = programs.size;
  if (scores.length !== n * steps * V)
    throw new Error(`${caller}: ${scores.length} scores for ${n} x ${steps} x ${V}`);
  return V;
}

/** The most likely whole program by arity alone: a Viterbi pass over (step, stack size), exact. */
function mostLikelyByArity(
  score: (t: number, id: number) => number,
  steps: number,
  modules: readonly { id: number; arity: number }[],
  depth: number,
): number[] {
  // States 0..depth are stack sizes before <END>; state depth + 1 is "ended" (one entry left, then no-ops).
  const ended = depth + 1;
  const S = depth + 2;
  const best = new Float64Array((steps + 1) * S).fill(-Infinity);
  const from = new Int32Array(steps * S);
  const token = new Int32Array(steps * S);
  best[0] = 0;
  for (let t = 0; t < steps; t++) {
    const move = (s: number, next: number, id: number) => {
      const value = best[t * S + s] + score(t, id);
      if (value > best[(t + 1) * S + next]) {
        best[(t + 1) * S + next] = value;
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
  const layout: number[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    layout[t] = token[t * S + s];
    s = from[t * S + s];
  }
  return layout;
}

/**
 * The typed beam search: a row's scores and `k` -> its `k` best layouts, best first (none when the beam finds none).
 * Each step keeps the `beam` best stacks of types, and up to `k` paths to each.
 */
function layoutSearch(
  programs: ProgramVocabulary,
  types: ProgramTypes,
  { depth, beam = 64 }: LayoutSearchOptions,
  floor = -Infinity,
): (score: (t: number, id: number) => number, steps: number, k: number) => ScoredLayout[] {
  // A stack of types is a string, one character per type (ANY_TYPE is '*'), its top last.
  const chars = new Map<string, string>([[ANY_TYPE, ANY_TYPE]]);
  const charOf = (type: string) => {
    if (!chars.has(type)) chars.set(type, String.fromCharCode(65 + chars.size));
    return chars.get(type)!;
  };
  const modules = programs.tokens.flatMap((token, id) => {
    const type = programs.arity(id) === null ? null : types.typeOf(token);
    if (type && type.inputs.length !== programs.arity(id))
      throw new Error(
        `mostLikelyLayouts: '${token}' takes ${type.inputs.length} typed inputs, not its arity`,
      );
    return type ? [{ id, inputs: type.inputs.map(charOf).join(''), output: charOf(type.output) }] : [];
  });
  const answerChars = new Set([...types.answers].map(charOf));
  const answers = (stack: string) =>
    stack.length === 1 && (answerChars.has(stack) || answerChars.has(ANY_TYPE));
  const fits = (want: string, got: string) => want === got || want === ANY_TYPE || got === ANY_TYPE;
  // The modules that take the top of a stack, by its top two entries.
  const applicable = new Map<string, typeof modules>();
  const modulesFor = (stack: string) => {
    const top = stack.slice(-2);
    let list = applicable.get(top);
    if (!list) {
      list = modules.filter(
        (m) =>
          m.inputs.length <= top.length &&
          [...m.inputs].every((want, j) => fits(want, top[top.length - m.inputs.length + j])),
      );
      applicable.set(top, list);
    }
    return list;
  };
  interface State {
    score: number;
    stack: string;
    ended: boolean;
    /** Index of the state it came from in the previous step's beam, and the token that led here. */
    parent: number;
    token: number;
  }
  const byScore = (a: State, b: State) => b.score - a.score;
  return (score, steps, k) => {
    let states: State[] = [{ score: 0, stack: '', ended: false, parent: -1, token: -1 }];
    const history: State[][] = [];
    for (let t = 0; t < steps; t++) {
      // Up to k paths per stack of types (an ended program is its own key), best first.
      const next = new Map<string, State[]>();
      const offer = (state: State) => {
        // Each further module takes at most one entry off the stack.
        if (!state.ended && state.stack.length - 1 > steps - t - 1) return;
        const key = state.ended ? `!${state.stack}` : state.stack;
        const paths = next.get(key);
        if (!paths) return void next.set(key, [state]);
        if (paths.length === k && paths[k - 1].score >= state.score) return;
        paths.push(state);
        paths.sort(byScore);
        if (paths.length > k) paths.pop();
      };
      states.forEach((state, parent) => {
        if (state.ended || answers(state.stack))
          offer({ ...state, score: state.score + score(t, END_ID), ended: true, parent, token: END_ID });
        if (state.ended) return;
        for (const m of modulesFor(state.stack)) {
          if (score(t, m.id) < floor) continue;
          const stack = state.stack.slice(0, state.stack.length - m.inputs.length) + m.output;
          if (stack.length <= depth)
            offer({ score: state.score + score(t, m.id), stack, ended: false, parent, token: m.id });
        }
      });
      history.push(states);
      // The beam keeps the best stacks, each with its paths.
      const kept = [...next.values()].sort((a, b) => b[0].score - a[0].score);
      states = (t < steps - 1 ? kept.slice(0, beam) : kept).flat();
    }
    // A program that fills every step ends without <END>.
    const found = states
      .filter((s) => s.ended || answers(s.stack))
      .sort(byScore)
      .slice(0, k);
    return found.map((last) => {
      const layout: number[] = new Array(steps);
      let state = last;
      for (let t = steps - 1; t >= 0; t--) {
        layout[t] = state.token;
        state = history[t][state.parent];
      }
      return { layout, score: last.score };
    });
  };
}
