import {
  dropout as applyDropout,
  Embedding,
  Linear,
  maskedSoftmax,
  matMul,
  type ParameterScope,
  RecurrentNetwork,
  type Rng,
  tf,
  torchDefault,
} from '@mmnet/core-tensors';
import { questionLengths } from '@mmnet/program-decoders';
import { END_ID, NULL_ID, START_ID, UNK_ID } from '@mmnet/programs';
import { flushTiny } from './soft-stack.js';

/** Sizes of the layout controller (the question encoder's are the program generator config's). */
export interface LayoutControllerSizes extends QuestionEncoderSizes {
  /** The program vocabulary's size: the controller's scores are over it. */
  programVocabSize: number;
  /** Most steps the controller runs (its per-step question projections). */
  steps: number;
  /** Dropout on the word vectors and the word states while the controller learns (0: none). */
  dropout?: number;
  /** Added to the no-op `<END>`'s initial output bias (0: none). */
  noOpBias?: number;
}

/** The encoded questions a controller attends over. */
export interface EncodedQuestions {
  /** Every word's encoder state [N, L, H]. */
  words: tf.Tensor3D;
  /** 1 at real words, 0 at padding [N, L]. */
  mask: tf.Tensor2D;
  /** The state at each question's last word [N, H]. */
  question: tf.Tensor2D;
}

/** One controller step: scores over the program vocabulary, the word attention and the new control vector. */
export interface ControllerStep {
  /** [N, V], the special tokens other than `<END>` (the no-op) masked out. */
  logits: tf.Tensor2D;
  /** Attention over the question words [N, L]. */
  wordAttention: tf.Tensor2D;
  /** The control vector [N, H]. */
  control: tf.Tensor2D;
}

/** Sizes of a question encoder: an embedding and a recurrent network over the question words. */
export interface QuestionEncoderSizes {
  questionVocabSize: number;
  wordvecDim: number;
  hiddenDim: number;
  numLayers: number;
  cell: 'lstm' | 'gru';
}

/**
 * The question encoder (the seq2seq generator's: `embedding.*`, `rnn.*` in its scope): every word's state, the mask
 * of the real words and the state at the last word. The layout controller has one; the executor's reader
 * (`stack.reader`) has its own.
 */
export class QuestionEncoder {
  private readonly embedding: Embedding;
  private readonly rnn: RecurrentNetwork;

  constructor(scope: ParameterScope, sizes: QuestionEncoderSizes) {
    this.embedding = new Embedding(scope.scope('embedding'), sizes.questionVocabSize, sizes.wordvecDim);
    this.rnn = new RecurrentNetwork(scope.scope('rnn'), {
      cell: sizes.cell,
      inputSize: sizes.wordvecDim,
      hiddenSize: sizes.hiddenDim,
      numLayers: sizes.numLayers,
    });
  }

  /**
   * questions [N, L] int32 (`<NULL>`-padded) -> the word states, their mask and the question vector. With `dropout`
   * (while learning), the word vectors and the word states each drop that share of their entries.
   */
  encode(questions: tf.Tensor2D, dropout?: { rate: number; rng: Rng }): EncodedQuestions {
    if (questions.rank !== 2 || questions.dtype !== 'int32')
      throw new Error(
        `question encoder: questions must be int32 [N, L], got ${questions.dtype} [${questions.shape}]`,
      );
    const [n, l] = questions.shape;
    const lengths = questionLengths(questions);
    const padded = lengths.some((x) => x < l);
    const drop = <T extends tf.Tensor>(x: T): T =>
      dropout ? (applyDropout(x, dropout.rate, dropout.rng) as T) : x;
    const out = this.rnn.apply(
      drop(this.embedding.apply(questions) as tf.Tensor3D),
      padded ? lengths : undefined,
    );
    const mask = new Float32Array(n * l);
    lengths.forEach((len, i) => mask.fill(1, i * l, i * l + len));
    return { words: drop(out.outputs), mask: tf.tensor2d(mask, [n, l]), question: out.last };
  }
}

/**
 * Stack-NMN's layout controller (Hu et al. 2018): the question encoder's word states; at step t the question
 * vector through the step's own projection, combined with the previous control vector, attends over the words
 * (scores w·(u ⊙ h_s)); the attended words are the new control vector, and an MLP of it scores the program
 * vocabulary's tokens: the step's address into the module memory (`<END>` scores the no-op). Parameters:
 * `encoder.embedding`, `encoder.rnn` (as the seq2seq generator's encoder) and `controller.*`.
 */
export class LayoutController {
  private readonly encoder: QuestionEncoder;
  private readonly stepWeight: tf.Variable;
  private readonly stepBias: tf.Variable;
  private readonly combine: Linear;
  private readonly attend: Linear;
  private readonly hidden: Linear;
  private readonly output: Linear;
  private readonly logitMask: tf.Tensor1D;

  constructor(
    scope: ParameterScope,
    readonly sizes: LayoutControllerSizes,
  ) {
    const { hiddenDim: H, steps } = sizes;
    this.encoder = new QuestionEncoder(scope.scope('encoder'), sizes);
    const c = scope.scope('controller');
    this.stepWeight = c.create('step.weight', [steps, H, H], torchDefault(H));
    this.stepBias = c.create('step.bias', [steps, H], torchDefault(H));
    this.combine = new Linear(c.scope('combine'), 2 * H, H);
    this.attend = new Linear(c.scope('attend'), H, 1);
    this.hidden = new Linear(c.scope('address.hidden'), H, H);
    this.output = new Linear(c.scope('address.output'), H, sizes.programVocabSize);
    const mask = new Float32Array(sizes.programVocabSize);
    for (const id of [NULL_ID, START_ID, UNK_ID]) mask[id] = -1e9;
    if (END_ID >= sizes.programVocabSize)
      throw new Error('layout controller: the program vocabulary has no <END>');
    if (sizes.noOpBias) {
      const shift = new Float32Array(sizes.programVocabSize);
      shift[END_ID] = sizes.noOpBias;
      const bias = this.output.bias!;
      tf.tidy(() => bias.assign(tf.add(bias, tf.tensor1d(shift))));
    }
    this.logitMask = tf.keep(tf.tensor1d(mask));
  }

  /**
   * questions [N, L] int32 (`<NULL>`-padded) -> the word states, their mask and the question vector. Given the
   * seeded generator of a learning pass, it applies the controller's dropout.
   */
  encode(questions: tf.Tensor2D, rng?: Rng): EncodedQuestions {
    const rate = this.sizes.dropout ?? 0;
    return this.encoder.encode(questions, rng && rate > 0 ? { rate, rng } : undefined);
  }

  /** The zero control vector a run starts from [N, H]. */
  initialControl(batch: number): tf.Tensor2D {
    return tf.zeros([batch, this.sizes.hiddenDim]);
  }

  /** Step t (0-based, < sizes.steps) from the previous control vector. */
  step(t: number, encoded: EncodedQuestions, previous: tf.Tensor2D): ControllerStep {
    const H = this.sizes.hiddenDim;
    if (!(Number.isInteger(t) && t >= 0 && t < this.sizes.steps))
      throw new Error(`layout controller: step ${t} is outside 0..${this.sizes.steps - 1}`);
    const [n, l] = encoded.mask.shape;
    const w = tf.reshape(tf.slice(this.stepWeight, [t, 0, 0], [1, H, H]), [H, H]) as tf.Tensor2D;
    const b = tf.reshape(tf.slice(this.stepBias, [t, 0], [1, H]), [1, H]);
    const qt = tf.add(matMul(encoded.question, w), b) as tf.Tensor2D;
    const u = this.combine.apply(tf.concat([qt, previous], 1)) as tf.Tensor2D;
    const scores = tf.reshape(this.attend.apply(tf.mul(encoded.words, tf.reshape(u, [n, 1, H]))), [
      n,
      l,
    ]) as tf.Tensor2D;
    const wordAttention = flushTiny(maskedSoftmax(scores, encoded.mask) as tf.Tensor2D);
    const control = tf.reshape(matMul(tf.reshape(wordAttention, [n, 1, l]), encoded.words), [
      n,
      H,
    ]) as tf.Tensor2D;
    const logits = tf.add(
      this.output.apply(tf.relu(this.hidden.apply(control))),
      this.logitMask,
    ) as tf.Tensor2D;
    return { logits, wordAttention, control };
  }

  dispose(): void {
    this.logitMask.dispose();
  }
}
