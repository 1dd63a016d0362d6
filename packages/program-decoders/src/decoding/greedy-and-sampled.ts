import type { Rng, tf } from '@mmnet/core-tensors';
import type { Seq2SeqProgramGenerator } from '../generator/seq2seq-program-generator.js';
import type { DecodedPrograms } from './decoded-programs.js';
import { decodeStepwise } from './stepwise-decode.js';

function argMax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

/** Greedy decoding: the most likely token at every step. */
export function decodeGreedy(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  options: { maxLength?: number } = {},
): DecodedPrograms {
  return decodeStepwise(generator, questions, argMax, options.maxLength);
}

/**
 * Sampling: each token drawn from softmax(logits / temperature) with the seeded generator. The returned
 * log-probabilities are the model's (temperature 1).
 */
export function decodeSampled(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  options: { rng: Rng; temperature?: number; maxLength?: number },
): DecodedPrograms {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`decodeSampled: temperature must be > 0, got ${temperature}`);
  const weights = new Float64Array(generator.programs.size);
  const choose = (row: Float32Array) => {
    const top = row[argMax(row)];
    let total = 0;
    for (let j = 0; j < row.length; j++) {
      weights[j] = Math.exp((row[j] - top) / temperature);
      total += weights[j];
    }
    let u = options.rng.next() * total;
    for (let j = 0; j < row.length; j++) {
      u -= weights[j];
      if (u < 0) return j;
    }
    return argMax(row);
  };
  return decodeStepwise(generator, questions, choose, options.maxLength);
}
