import {
  createRng,
  Embedding,
  Linear,
  matMul,
  type ParameterScope,
  ParameterStore,
  RecurrentNetwork,
  type RecurrentState,
  tf,
} from '@mmnet/core-tensors';
import { NULL_ID, ProgramVocabulary, START_ID, tokensByIndex, UNK_ID, type Vocab } from '@mmnet/programs';
import { type Seq2SeqConfig, type Seq2SeqConfigInput, Seq2SeqConfigSchema } from './config.js';

/** The two maps of a vocab.json that a program generator reads. */
export type ProgramGeneratorVocab = Pick<Vocab, 'question_token_to_idx' | 'program_token_to_idx'>;

/** Output of one decoder step. */
export interface DecoderStep {
  /** Scores over the program vocabulary [B, V]; `<NULL>`, `<START>`, `<UNK>` masked to -1e9 unless `maskSpecialTokens` is false. */
  logits: tf.Tensor2D;
  state: RecurrentState;
}

/** Per-sample lengths of encoded questions [B, T] (int32, `<NULL>`-padded): position of the last real token + 1. */
export function questionLengths(questions: tf.Tensor2D): Int32Array {
  const [batch, steps] = questions.shape;
  const values = questions.dataSync();
  const lengths = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let last = 0;
    for (let t = 0; t < steps; t++) if (values[b * steps + t] !== NULL_ID) last = t + 1;
    if (last === 0) throw new Error(`questions: row ${b} holds only <NULL> tokens`);
    lengths[b] = last;
  }
  return lengths;
}

/**
 * The seq2seq program generator of clevr-iep: an embedding + multi-layer LSTM/GRU encoder whose hidden
 * state at each question's last real token is the encoding; a decoder fed the previous program token's
 * embedding concatenated with the encoding, a multi-layer recurrent net from a zero state, and a linear
 * layer to the program vocabulary. Parameters live under the given scope: `encoder.*`, `decoder.*`.
 */
export class Seq2SeqProgramGenerator {
  readonly config: Seq2SeqConfig;
  readonly programs: ProgramVocabulary;
  readonly questionVocabSize: number;
  readonly questionEmbedding: Embedding;
  readonly encoder: RecurrentNetwork;
  readonly programEmbedding: Embedding;
  readonly decoder: RecurrentNetwork;
  readonly output: Linear;
  private readonly logitMask: tf.Tensor1D;

  constructor(scope: ParameterScope, config: Seq2SeqConfigInput, vocab: ProgramGeneratorVocab) {
    const parsed = Seq2SeqConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`program generator config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    this.config = parsed.data;
    const c = this.config;
    this.questionVocabSize = tokensByIndex(vocab.question_token_to_idx, 'question vocabulary').length;
    this.programs = new ProgramVocabulary(vocab.program_token_to_idx);
    const V = this.programs.size;
    this.questionEmbedding = new Embedding(
      scope.scope('encoder.embedding'),
      this.questionVocabSize,
      c.encoderWordvecDim,
    );
    this.encoder = new RecurrentNetwork(scope.scope('encoder.rnn'), {
      cell: c.cell,
      inputSize: c.encoderWordvecDim,
      hiddenSize: c.hiddenDim,
      numLayers: c.numLayers,
    });
    this.programEmbedding = new Embedding(scope.scope('decoder.embedding'), V, c.decoderWordvecDim);
    this.decoder = new RecurrentNetwork(scope.scope('decoder.rnn'), {
      cell: c.cell,
      inputSize: c.decoderWordvecDim + c.hiddenDim,
      hiddenSize: c.hiddenDim,
      numLayers: c.numLayers,
    });
    this.output = new Linear(scope.scope('decoder.output'), c.hiddenDim, V);
    const mask = new Float32Array(V);
    if (c.maskSpecialTokens) for (const id of [NULL_ID, START_ID, UNK_ID]) mask[id] = -1e9;
    this.logitMask = tf.keep(tf.tensor1d(mask));
  }

  /** Encodes questions [B, T] (int32, `<NULL>`-padded) to [B, hidden]: the state at the last real token. */
  encode(questions: tf.Tensor2D): tf.Tensor2D {
    if (questions.rank !== 2 || questions.dtype !== 'int32') {
      throw new Error(`encode: questions must be int32 [B, T], got ${questions.dtype} [${questions.shape}]`);
    }
    const lengths = questionLengths(questions);
    // Columns after the longest question are padding in every row: the encoder stops there (the same encoding,
    // fewer steps). When no row is padded the per-step length masks are identities: skip them.
    const [batch] = questions.shape;
    const steps = Math.max(...lengths);
    const padded = lengths.some((l) => l < steps);
    return tf.tidy(() => {
      const used = steps < questions.shape[1] ? tf.slice(questions, [0, 0], [batch, steps]) : questions;
      const words = this.questionEmbedding.apply(used) as tf.Tensor3D;
      return this.encoder.apply(words, padded ? lengths : undefined).last;
    });
  }

  /** The decoder's initial state (zeros) for a batch. */
  initialState(batch: number): RecurrentState {
    const H = this.config.hiddenDim;
    const zeros = () =>
      Array.from({ length: this.config.numLayers }, () => tf.zeros([batch, H]) as tf.Tensor2D);
    return this.config.cell === 'lstm' ? { h: zeros(), c: zeros() } : { h: zeros() };
  }

  /** Program-token embeddings of ids (int32, any shape). */
  embedTokens(ids: tf.Tensor): tf.Tensor {
    return this.programEmbedding.apply(ids);
  }

  /**
   * Embedding of a distribution (or one-hot) over program tokens [B, V] -> [B, E], differentiable in the
   * distribution (used by the straight-through Gumbel decoder).
   */
  embedDistribution(weights: tf.Tensor2D): tf.Tensor2D {
    return matMul(weights, this.programEmbedding.table as tf.Tensor as tf.Tensor2D) as tf.Tensor2D;
  }

  /** Scores over the program vocabulary from decoder outputs [..., H], special tokens masked. */
  scores(hidden: tf.Tensor): tf.Tensor {
    return tf.add(this.output.apply(hidden), this.logitMask);
  }

  /** One decoder step: previous token embedding [B, E] and encoding [B, H] -> scores and new state. */
  step(previous: tf.Tensor2D, encoding: tf.Tensor2D, state: RecurrentState): DecoderStep {
    const next = this.decoder.step(tf.concat([previous, encoding], 1) as tf.Tensor2D, state);
    const top = next.h[next.h.length - 1];
    return { logits: this.scores(top) as tf.Tensor2D, state: next };
  }

  /**
   * Teacher-forced scores: programs [B, L] are `<START> tokens <END>` rows padded with `<NULL>`; returns
   * the scores of the next token at every position [B, L-1, V] (targets are programs[:, 1:]).
   */
  teacherForcedLogits(questions: tf.Tensor2D, programs: tf.Tensor2D): tf.Tensor3D {
    if (programs.rank !== 2 || programs.dtype !== 'int32') {
      throw new Error(
        `teacherForcedLogits: programs must be int32 [B, L], got ${programs.dtype} [${programs.shape}]`,
      );
    }
    const [batch, length] = programs.shape;
    if (batch !== questions.shape[0]) {
      throw new Error(`teacherForcedLogits: ${questions.shape[0]} questions but ${batch} programs`);
    }
    if (length < 2)
      throw new Error(`teacherForcedLogits: programs need at least <START> and <END> (length ${length})`);
    return tf.tidy(() => {
      const encoding = this.encode(questions);
      const inputs = tf.slice(programs, [0, 0], [batch, length - 1]);
      const embedded = this.embedTokens(inputs) as tf.Tensor3D;
      const repeated = tf.tile(tf.expandDims(encoding, 1), [1, length - 1, 1]);
      const { outputs } = this.decoder.apply(tf.concat([embedded, repeated], 2) as tf.Tensor3D);
      return this.scores(outputs) as tf.Tensor3D;
    });
  }

  dispose(): void {
    this.logitMask.dispose();
  }
}

export interface CreatedProgramGenerator {
  generator: Seq2SeqProgramGenerator;
  store: ParameterStore;
}

/**
 * `createProgramGenerator(config, vocab)`: a generator with its own parameter store (seeded), or created in
 * a given scope (e.g. `store.scope('programGenerator')` of a larger model).
 */
export function createProgramGenerator(
  config: Seq2SeqConfigInput,
  vocab: ProgramGeneratorVocab,
  options: { seed?: number; store?: ParameterStore; scope?: ParameterScope } = {},
): CreatedProgramGenerator {
  const store = options.store ?? new ParameterStore(createRng(options.seed ?? 0));
  const generator = new Seq2SeqProgramGenerator(options.scope ?? store, config, vocab);
  return { generator, store };
}
