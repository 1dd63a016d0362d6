import { createRng, type ParameterScope, ParameterStore, type tf } from '@mmnet/core-tensors';
import { Stem } from '@mmnet/module-net';
import { NULL_ID, NULL_TOKEN } from '@mmnet/programs';
import { StackedAttention } from '../attention/stacked-attention.js';
import { MlpClassifier } from '../classifier/mlp-classifier.js';
import {
  type ResolvedSANConfig,
  type SANConfig,
  SANConfigSchema,
  type SANVocab,
} from '../config/san-config.js';
import { QuestionEncoder, questionLengths } from '../question/question-encoder.js';

export interface SANOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** Attention map of every hop [N, hops, H, W]; each active hop's map sums to 1. */
  attention: tf.Tensor4D;
}

/** The largest id + 1 of a vocabulary part, with a clear error when it is empty. */
export function vocabSize(part: Record<string, number>, name: string): number {
  const ids = Object.values(part);
  if (ids.length === 0) throw new Error(`${name} is empty`);
  return Math.max(...ids) + 1;
}

/** The parts SAN and SAN_wbw share: stem, question encoder, attention layer, classifier. */
export abstract class SANParts {
  readonly config: ResolvedSANConfig;
  readonly stem: Stem;
  readonly encoder: QuestionEncoder;
  readonly attention: StackedAttention;
  readonly classifier: MlpClassifier;
  readonly numAnswers: number;
  readonly nullId: number;

  constructor(scope: ParameterScope, config: SANConfig, vocab: SANVocab) {
    this.config = SANConfigSchema.parse(config);
    const c = this.config;
    this.numAnswers = vocabSize(vocab.answer_token_to_idx, 'answer_token_to_idx');
    this.nullId = vocab.question_token_to_idx[NULL_TOKEN] ?? NULL_ID;
    this.stem = new Stem(scope.scope('stem'), {
      inChannels: c.inChannels,
      dim: c.stemDim,
      numLayers: c.stemLayers,
      kernelSize: c.stemKernelSize,
    });
    this.encoder = new QuestionEncoder(
      scope.scope('question'),
      vocabSize(vocab.question_token_to_idx, 'question_token_to_idx'),
      c.wordEmbedDim,
      c.stemDim,
      c.rnnLayers,
      c.rnnCell,
    );
    this.attention = new StackedAttention(scope.scope('attention'), c.stemDim, c.attentionDim);
    this.classifier = new MlpClassifier(
      scope.scope('classifier'),
      c.stemDim,
      c.classifierHidden,
      this.numAnswers,
    );
  }

  /** Checks shapes and resolves lengths (from the ids when not given). */
  protected inputs(features: tf.Tensor4D, questions: tf.Tensor2D, lengths?: readonly number[]): number[] {
    const c = this.config;
    if (features.rank !== 4 || features.shape[3] !== c.inChannels) {
      throw new Error(`SAN: features must be [N, H, W, ${c.inChannels}], got [${features.shape}]`);
    }
    if (questions.rank !== 2 || questions.shape[0] !== features.shape[0]) {
      throw new Error(`SAN: questions must be [${features.shape[0]}, T] ids, got [${questions.shape}]`);
    }
    const resolved = lengths ? [...lengths] : questionLengths(questions, this.nullId);
    if (resolved.length !== questions.shape[0]) {
      throw new Error(`SAN: ${resolved.length} lengths for ${questions.shape[0]} questions`);
    }
    return resolved;
  }

  abstract forward(features: tf.Tensor4D, questions: tf.Tensor2D, lengths?: readonly number[]): SANOutput;
}

/** Builds a model of a SAN class in a new parameter store seeded by `config.seed`. */
export function createInStore<T>(
  config: SANConfig,
  build: (scope: ParameterScope, config: ResolvedSANConfig) => T,
): { model: T; store: ParameterStore } {
  const parsed = SANConfigSchema.parse(config);
  const store = new ParameterStore(createRng(parsed.seed));
  return { model: build(store, parsed), store };
}
