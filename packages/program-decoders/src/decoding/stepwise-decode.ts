import { type RecurrentState, tf } from '@mmnet/core-tensors';
import { END_ID, START_ID } from '@mmnet/programs';
import type { Seq2SeqProgramGenerator } from '../generator/seq2seq-program-generator.js';
import type { DecodedPrograms } from './decoded-programs.js';

/** Picks the next token of one sample from its log-probabilities over the program vocabulary. */
export type TokenChooser = (logProbs: Float32Array) => number;

export function disposeState(state: RecurrentState): void {
  for (const t of state.h) t.dispose();
  for (const t of state.c ?? []) t.dispose();
}

/**
 * One decoder step from previous token ids, outside any gradient: the log-probabilities [B, V] and the next
 * state, every intermediate tensor freed (the caller frees the results).
 */
export function logProbStep(
  generator: Seq2SeqProgramGenerator,
  previous: Int32Array,
  encoding: tf.Tensor2D,
  state: RecurrentState,
): { logp: tf.Tensor2D; next: RecurrentState } {
  const layers = state.h.length;
  const lstm = state.c !== undefined;
  const kept = tf.tidy(() => {
    const input = generator.embedTokens(tf.tensor1d(previous, 'int32')) as tf.Tensor2D;
    const step = generator.step(input, encoding, state);
    return [tf.logSoftmax(step.logits), ...step.state.h, ...(step.state.c ?? [])] as tf.Tensor2D[];
  });
  const h = kept.slice(1, 1 + layers);
  return { logp: kept[0], next: lstm ? { h, c: kept.slice(1 + layers) } : { h } };
}

/**
 * Decodes token by token from `<START>`, each sample's next token picked by `choose` from the model's
 * log-probabilities, until every sample emitted `<END>` or `maxLength` tokens (then `ended` is false). Frees every tensor it makes.
 */
export function decodeStepwise(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  choose: TokenChooser,
  maxLength = generator.config.maxProgramLength,
): DecodedPrograms {
  const batch = questions.shape[0];
  const V = generator.programs.size;
  const encoding = generator.encode(questions);
  let state = generator.initialState(batch);
  const previous = new Int32Array(batch).fill(START_ID);
  const sequences: number[][] = Array.from({ length: batch }, () => []);
  const logProbs = new Array<number>(batch).fill(0);
  const ended = new Array<boolean>(batch).fill(false);
  try {
    for (let t = 0; t < maxLength && ended.some((e) => !e); t++) {
      const { logp, next } = logProbStep(generator, previous, encoding, state);
      disposeState(state);
      state = next;
      const values = logp.dataSync() as Float32Array;
      logp.dispose();
      for (let b = 0; b < batch; b++) {
        if (ended[b]) continue;
        const token = choose(values.subarray(b * V, (b + 1) * V));
        logProbs[b] += values[b * V + token];
        previous[b] = token;
        if (token === END_ID) ended[b] = true;
        else sequences[b].push(token);
      }
    }
  } finally {
    disposeState(state);
    encoding.dispose();
  }
  return { sequences, logProbs, ended };
}
