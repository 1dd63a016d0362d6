import { type RecurrentState, tf } from '@mmnet/core-tensors';
import { END_ID, START_ID } from '@mmnet/programs';
import type { Seq2SeqProgramGenerator } from '../generator/seq2seq-program-generator.js';
import { disposeState, logProbStep } from './stepwise-decode.js';

/** One hypothesis of a beam. */
export interface BeamHypothesis {
  /** Program token ids, without `<START>` and `<END>`. */
  sequence: number[];
  /** Sum of the token log-probabilities (including `<END>` when ended). */
  logProb: number;
  /** Whether the hypothesis emitted `<END>` (false: stopped at the length limit). */
  ended: boolean;
}

export interface BeamSearchOptions {
  beamWidth: number;
  maxLength?: number;
  /**
   * `batched` (default): all samples' beams advance in one decoder call per step; `perSample`: one sample
   * at a time (same results, less memory for huge beams).
   */
  strategy?: 'batched' | 'perSample';
}

interface Beam {
  tokens: number[];
  score: number;
}

/** Tokens whose log-probability is below this are masked specials, never extended. */
const MASKED = -1e8;

/**
 * Beam search: per sample, up to `beamWidth` hypotheses sorted by decreasing log-probability. A finished
 * hypothesis leaves the beam; a sample stops when it has `beamWidth` finished ones and no live beam can
 * still beat the worst of them (log-probabilities only fall), or at the length limit, where live beams
 * are kept as unfinished hypotheses.
 */
export function beamSearch(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  options: BeamSearchOptions,
): BeamHypothesis[][] {
  const K = options.beamWidth;
  if (!(Number.isInteger(K) && K >= 1))
    throw new Error(`beamSearch: beamWidth must be an integer >= 1, got ${K}`);
  const maxLength = options.maxLength ?? generator.config.maxProgramLength;
  if (options.strategy === 'perSample') {
    const [batch, steps] = questions.shape;
    const out: BeamHypothesis[][] = [];
    for (let b = 0; b < batch; b++) {
      const one = tf.slice(questions, [b, 0], [1, steps]) as tf.Tensor2D;
      out.push(beamSearchBatched(generator, one, K, maxLength)[0]);
      one.dispose();
    }
    return out;
  }
  return beamSearchBatched(generator, questions, K, maxLength);
}

function beamSearchBatched(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  K: number,
  maxLength: number,
): BeamHypothesis[][] {
  const batch = questions.shape[0];
  const V = generator.programs.size;
  const rows = batch * K;
  const encoding = tf.tidy(() => {
    const enc = generator.encode(questions);
    const index = Int32Array.from({ length: rows }, (_, r) => Math.floor(r / K));
    return tf.gather(enc, tf.tensor1d(index, 'int32')) as tf.Tensor2D;
  });
  let state = generator.initialState(rows);
  const alive: Beam[][] = Array.from({ length: batch }, () => [{ tokens: [], score: 0 }]);
  const finished: BeamHypothesis[][] = Array.from({ length: batch }, () => []);
  const done = new Array<boolean>(batch).fill(false);
  try {
    for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
      const previous = new Int32Array(rows).fill(START_ID);
      for (let b = 0; b < batch; b++) {
        alive[b].forEach((beam, k) => {
          previous[b * K + k] = beam.tokens.length ? beam.tokens[beam.tokens.length - 1] : START_ID;
        });
      }
      const { logp, next } = logProbStep(generator, previous, encoding, state);
      disposeState(state);
      const values = logp.dataSync() as Float32Array;
      logp.dispose();
      const parents = Int32Array.from({ length: rows }, (_, r) => r);
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const candidates: { parent: number; token: number; score: number }[] = [];
        alive[b].forEach((beam, k) => {
          const base = (b * K + k) * V;
          for (let v = 0; v < V; v++) {
            if (values[base + v] > MASKED)
              candidates.push({ parent: k, token: v, score: beam.score + values[base + v] });
          }
        });
        candidates.sort((x, y) => y.score - x.score);
        const nextBeams: Beam[] = [];
        for (const c of candidates) {
          if (nextBeams.length >= K) break;
          const tokens = alive[b][c.parent].tokens;
          if (c.token === END_ID) {
            finished[b].push({ sequence: tokens.slice(), logProb: c.score, ended: true });
          } else {
            parents[b * K + nextBeams.length] = b * K + c.parent;
            nextBeams.push({ tokens: [...tokens, c.token], score: c.score });
          }
        }
        finished[b].sort((x, y) => y.logProb - x.logProb);
        alive[b] = nextBeams;
        const worstKept = finished[b].length >= K ? finished[b][K - 1].logProb : -Infinity;
        if (nextBeams.length === 0 || (finished[b].length >= K && nextBeams[0].score <= worstKept))
          done[b] = true;
      }
      state = reorder(next, parents);
    }
  } finally {
    disposeState(state);
    encoding.dispose();
  }
  return finished.map((fin, b) => {
    const all = done[b]
      ? fin
      : [...fin, ...alive[b].map((beam) => ({ sequence: beam.tokens, logProb: beam.score, ended: false }))];
    return all.sort((x, y) => y.logProb - x.logProb).slice(0, K);
  });
}

/** Rows of every state tensor re-ordered by parent beam (and the old state freed). */
function reorder(state: RecurrentState, parents: Int32Array): RecurrentState {
  const layers = state.h.length;
  const kept = tf.tidy(() => {
    const index = tf.tensor1d(parents, 'int32');
    return [...state.h, ...(state.c ?? [])].map((t) => tf.gather(t, index) as tf.Tensor2D);
  });
  disposeState(state);
  const h = kept.slice(0, layers);
  return state.c ? { h, c: kept.slice(layers) } : { h };
}
