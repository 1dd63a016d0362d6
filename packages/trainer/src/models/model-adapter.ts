import type { ClevrBatch } from '@mmnet/clevr-data';
import type { ParameterStore, Rng, tf } from '@mmnet/core-tensors';
import type { DecoderMode, ExecutorKind, TrainMode } from '../config/train-config.js';
import type { Vocab } from '../data/vocab-file.js';

/** What a model adapter is built from: the vocabularies, the feature shape and the model options. */
export interface ModelContext {
  vocab: Vocab;
  /** [H, W, C] of the image features (NHWC). */
  featureShape: [number, number, number];
  /** Question vocabulary size (--question_size, default from the vocab). */
  questionSize: number;
  stemDim: number;
  decoderMode: DecoderMode;
  useCurriculum: boolean;
  /** PG_endtoend's executor. */
  executorKind: ExecutorKind;
  /** Extra settings for the model package's own zod schema (`model_config` in a --config file). */
  modelConfig: Record<string, unknown>;
  /** Seeds the parameter initialisation. */
  seed: number;
}

/**
 * The fields every image model's config takes from the run (feature shape, --stem-dim, --seed), then the
 * `model_config` overrides: the input of the model package's own config schema.
 */
export function imageModelConfigInput(ctx: ModelContext): Record<string, unknown> {
  const [height, width, inChannels] = ctx.featureShape;
  return { inChannels, stemDim: ctx.stemDim, height, width, seed: ctx.seed, ...ctx.modelConfig };
}

export interface ForwardContext {
  training: boolean;
  trainMode: TrainMode;
  /** Every random choice of the forward pass (sampling, Gumbel noise, dropout) comes from this. */
  rng: Rng;
  /** Optimiser updates done so far (curricula, schedules). */
  step: number;
}

/** What one forward pass returns; every tensor is owned by the caller's `tf.tidy`. */
export interface ForwardOutput {
  /** Scalar training loss (whatever surrogate the model trains with: cross-entropy, REINFORCE, ...). */
  loss: tf.Scalar;
  /** [B, nAnswers] answer scores. */
  logits: tf.Tensor2D;
  /** [B, L] predicted program tokens (prefix order, `<START>` ... `<END>`), when the model predicts programs. */
  programs?: tf.Tensor2D;
  /** [B, hops, H, W] attention maps (SAN), for reports. */
  attention?: tf.Tensor;
  /** [B, steps, slots] memory addressing per program step (memory networks), for reports. */
  addressing?: tf.Tensor;
}

/** Parameter name prefixes of the two separately optimised parts. */
export interface ParameterGroups {
  programGenerator: string[];
  executor: string[];
}

/**
 * The small interface every model plugs into the trainer with: parameters in a store, a forward pass on a
 * batch, and which parameters belong to the program generator and which to the executor.
 */
export interface ModelAdapter {
  readonly name: string;
  readonly store: ParameterStore;
  /** The model's resolved config (recorded in checkpoints). */
  readonly config: unknown;
  readonly groups: ParameterGroups;
  /** Names of the program-token columns shown as memory slots in addressing heatmaps. */
  readonly addressingLabels?: string[];
  /** What one of a sample's attention maps is, in reports ('hop' when absent). */
  readonly attentionLabel?: string;
  forward(batch: ClevrBatch, ctx: ForwardContext): ForwardOutput;
  /**
   * Models with a program generator: its supervised loss on the batch's ground-truth programs (teacher
   * forcing), and the fraction of the batch whose teacher-forced argmax program equals the ground truth.
   * Used by --program_supervision_fraction.
   */
  programLoss?(batch: ClevrBatch): { loss: tf.Scalar; exactMatch: number };
  /** Non-parameter state to checkpoint (moving-average baselines, ...). */
  getState?(): Record<string, unknown>;
  setState?(state: Record<string, unknown>): void;
  dispose(): void;
}

export type ModelFactory = (ctx: ModelContext) => ModelAdapter | Promise<ModelAdapter>;
