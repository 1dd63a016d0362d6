import { gumbelSoftmax, type Rng, sampleCategorical, stopGradient, tf } from '@mmnet/core-tensors';
import { END_ID, START_ID } from '@mmnet/programs';
import {
  countStatuses,
  type ProgramStatusCounts,
  type RepairedProgram,
  repairPrefixProgram,
} from '../decoding/repair-program.js';
import type { Seq2SeqProgramGenerator } from '../generator/seq2seq-program-generator.js';
import type { DecoderMode } from './config.js';

export interface AddressDecodeOptions {
  mode: DecoderMode;
  /** Longest program (tokens before `<END>`): the curriculum's current length. */
  maxLength: number;
  /** Seeded generator for the gumbel and hard modes. */
  rng?: Rng;
  /** Gumbel-softmax temperature (gumbel mode). */
  gumbelTemperature?: number;
  /** Sampling temperature (hard modes). */
  sampleTemperature?: number;
  /**
   * Gumbel and hard modes: take the most likely token at every step, without noise or sampling, and address
   * with its one-hot (no gradient), as clevr-iep's PG+EE evaluates (`reinforce_sample(argmax=True)`). For
   * evaluation, and for training an executor on the programs of a generator that does not learn. Soft mode
   * is deterministic already and ignores it.
   */
  greedy?: boolean;
}

/** The generator's decisions for a batch, with the addresses a module memory reads with. */
export interface AddressedPrograms {
  mode: DecoderMode;
  /** Number of decoding steps T. */
  steps: number;
  /**
   * Address over the program vocabulary at every step [B, T, V]: the softmax (soft), the straight-through
   * Gumbel one-hot (gumbel), or the sampled one-hot with no gradient (hard modes).
   */
  addresses: tf.Tensor3D;
  /** The addresses are one-hot and carry no gradient (hard modes, and greedy decoding in gumbel mode). */
  oneHotWithoutGradient: boolean;
  /** The token chosen at every step, row-major [B * T]: the most likely (soft) or the sampled one. */
  tokens: Int32Array;
  /** log p of the chosen tokens [B, T] (differentiable), under the sampling distribution. */
  logProbs: tf.Tensor2D;
  /** Entropy of each step's distribution [B, T] (differentiable). */
  entropy: tf.Tensor2D;
  /** 1 at the steps a sample actually decoded (up to and including its `<END>`), else 0 [B, T]. */
  decodedMask: tf.Tensor2D;
  /** The executable program of each sample (repaired when needed) with each token's decoding step. */
  programs: RepairedProgram[];
  statusCounts: ProgramStatusCounts;
}

function rowArgMax(values: Float32Array | Int32Array | Uint8Array, V: number, b: number): number {
  let best = 0;
  for (let j = 1; j < V; j++) if (values[b * V + j] > values[b * V + best]) best = j;
  return best;
}

/**
 * Decodes a batch for end-to-end training of a module memory network. Differentiable: call it inside the
 * loss function (it makes no tidy of its own over the returned tensors). The next step's input is the
 * embedding of the chosen token; in gumbel mode it is the straight-through one-hot times the embedding
 * table, so the gradient also reaches earlier steps through the inputs. Decoding stops when every
 * sample emitted `<END>` or after `maxLength` tokens; the decoded sequences become executable programs by
 * `repairPrefixProgram`.
 */
export function decodeAddresses(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  options: AddressDecodeOptions,
): AddressedPrograms {
  const { mode, maxLength } = options;
  if (!(Number.isInteger(maxLength) && maxLength >= 1)) {
    throw new Error(`decodeAddresses: maxLength must be an integer >= 1, got ${maxLength}`);
  }
  const greedy = mode !== 'soft' && options.greedy === true;
  const needsRng = mode !== 'soft' && !greedy;
  if (needsRng && !options.rng) throw new Error(`decodeAddresses: mode '${mode}' needs a seeded rng`);
  const batch = questions.shape[0];
  const V = generator.programs.size;
  const encoding = generator.encode(questions);
  let state = generator.initialState(batch);
  let input = generator.embedTokens(tf.fill([batch], START_ID, 'int32')) as tf.Tensor2D;
  const addresses: tf.Tensor2D[] = [];
  const logProbs: tf.Tensor1D[] = [];
  const entropies: tf.Tensor1D[] = [];
  const chosen: number[][] = Array.from({ length: batch }, () => []);
  const ended = new Array<boolean>(batch).fill(false);
  const mask: number[][] = Array.from({ length: batch }, () => []);
  for (let t = 0; t < maxLength && ended.some((e) => !e); t++) {
    const step = generator.step(input, encoding, state);
    state = step.state;
    const logits = step.logits;
    let address: tf.Tensor2D;
    let tokens: Int32Array;
    let logp: tf.Tensor1D;
    let entropy: tf.Tensor1D;
    if (mode === 'soft' || greedy) {
      const logSoft = tf.logSoftmax(logits);
      const distribution = tf.exp(logSoft) as tf.Tensor2D;
      const values = logits.dataSync() as Float32Array;
      tokens = Int32Array.from({ length: batch }, (_, b) => rowArgMax(values, V, b));
      const oneHot = tf.cast(tf.oneHot(tf.tensor1d(tokens, 'int32'), V), 'float32') as tf.Tensor2D;
      address = mode === 'soft' ? distribution : (stopGradient(oneHot) as tf.Tensor2D);
      logp = tf.sum(tf.mul(oneHot, logSoft), -1) as tf.Tensor1D;
      entropy = tf.neg(tf.sum(tf.mul(distribution, logSoft), -1)) as tf.Tensor1D;
      input = generator.embedTokens(tf.tensor1d(tokens, 'int32')) as tf.Tensor2D;
    } else if (mode === 'gumbel') {
      const temperature = options.gumbelTemperature ?? 1;
      address = gumbelSoftmax(logits, { temperature, hard: true, rng: options.rng! }) as tf.Tensor2D;
      const values = address.dataSync() as Float32Array;
      tokens = Int32Array.from({ length: batch }, (_, b) => rowArgMax(values, V, b));
      const logSoft = tf.logSoftmax(logits);
      logp = tf.sum(tf.mul(tf.oneHot(tf.tensor1d(tokens, 'int32'), V), logSoft), -1) as tf.Tensor1D;
      entropy = tf.neg(tf.sum(tf.mul(tf.exp(logSoft), logSoft), -1)) as tf.Tensor1D;
      input = generator.embedDistribution(address);
    } else {
      const sample = sampleCategorical(logits, options.rng!, options.sampleTemperature ?? 1);
      tokens = sample.samples.dataSync() as Int32Array;
      address = stopGradient(tf.cast(tf.oneHot(sample.samples, V), 'float32')) as tf.Tensor2D;
      logp = sample.logProbs as tf.Tensor1D;
      entropy = sample.entropy as tf.Tensor1D;
      input = generator.embedTokens(sample.samples) as tf.Tensor2D;
    }
    addresses.push(address);
    logProbs.push(logp);
    entropies.push(entropy);
    for (let b = 0; b < batch; b++) {
      mask[b].push(ended[b] ? 0 : 1);
      chosen[b].push(tokens[b]);
      if (tokens[b] === END_ID) ended[b] = true;
    }
  }
  const steps = addresses.length;
  const programs = chosen.map((seq, b) => {
    const live = mask[b].lastIndexOf(1) + 1;
    return repairPrefixProgram(
      seq.slice(0, live),
      (id) => generator.programs.arity(id),
      generator.programs.sceneId,
    );
  });
  return {
    mode,
    steps,
    addresses: tf.stack(addresses, 1) as tf.Tensor3D,
    oneHotWithoutGradient: mode === 'hard' || mode === 'hard+penalty' || greedy,
    tokens: Int32Array.from(chosen.flat()),
    logProbs: tf.stack(logProbs, 1) as tf.Tensor2D,
    entropy: tf.stack(entropies, 1) as tf.Tensor2D,
    decodedMask: tf.tensor2d(mask.flat(), [batch, steps]),
    programs,
    statusCounts: countStatuses(programs),
  };
}
