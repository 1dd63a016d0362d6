import type { ClevrBatch } from '@mmnet/clevr-data';
import type { ParameterStore, Rng, tf } from '@mmnet/core-tensors';
import type { Vocab } from '@mmnet/programs';
import type { DecoderMode, ExecutorKind, TrainMode } from '../config/train-config.js';

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
  /** PG_endtoend trains on its most likely programs in the hard and gumbel modes (--greedy_programs; default false). */
  greedyPrograms?: boolean;
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

/** A `model_config` section as an object ({} when absent or not an object; the model's schema names bad fields). */
export function configSection(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * The `model_config` of a model with a module-net `executor`, with the executor's sizes from the run (feature
 * shape, --stem-dim) under its own overrides, and --seed: the input of the model package's config schema.
 */
export function executorModelConfigInput(ctx: ModelContext): Record<string, unknown> {
  const [height, width, inChannels] = ctx.featureShape;
  const mc = ctx.modelConfig;
  return {
    ...mc,
    executor: { inChannels, stemDim: ctx.stemDim, height, width, ...configSection(mc.executor) },
    seed: ctx.seed,
  };
}

/**
 * Which programs a model that executes programs runs: `given` (the batch's ground truth) or `predicted` (its
 * program generator's). Default: given while training, predicted otherwise when it has a generator.
 */
export type ProgramSource = 'given' | 'predicted';

/** One program step's map over the image grid (the module output's channel norm), for step images. */
export interface StepMap {
  /** Prefix position of the step in the executed program. */
  step: number;
  token: string;
  /** [H, W] row-major. */
  map: Float32Array;
  shape: [number, number];
}

/** A batch's question and program rows: what a program generator learns from (no features). */
export type ProgramBatch = Pick<ClevrBatch, 'questions' | 'questionLength' | 'programs' | 'programLength'>;
export type QuestionBatch = Pick<ClevrBatch, 'questions' | 'questionLength'>;

export interface ForwardContext {
  training: boolean;
  trainMode: TrainMode;
  /** Every random choice of the forward pass (sampling, Gumbel noise, dropout) comes from this. */
  rng: Rng;
  /** Optimiser updates done so far (curricula, schedules). */
  step: number;
  /** See `ProgramSource`; models without programs ignore it. */
  programs?: ProgramSource;
  /** Also return every program step's map (`ForwardOutput.steps`), for step images. */
  capture?: boolean;
}

/** What a program loss may draw on: the run's seeded generator (dropout) and the updates done so far. */
export interface ProgramLossContext {
  rng: Rng;
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
  /** With `capture`: per sample, each executed program step's map, in prefix order. */
  steps?: StepMap[][];
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
  /** Whether the model predicts its programs from the question (a program generator). */
  readonly predictsPrograms?: boolean;
  /** Whether the model can execute programs given to it (`programs: 'given'`). */
  readonly executesGivenPrograms?: boolean;
  /** What one of a sample's attention maps is, in reports ('hop' when absent). */
  readonly attentionLabel?: string;
  forward(batch: ClevrBatch, ctx: ForwardContext): ForwardOutput;
  /**
   * Models with a program generator: its supervised loss on the batch's ground-truth programs (teacher
   * forcing), and the fraction of the batch whose teacher-forced argmax program equals the ground truth.
   * Used by --program_supervision_fraction.
   */
  programLoss?(batch: ProgramBatch, ctx: ProgramLossContext): { loss: tf.Scalar; exactMatch: number };
  /**
   * Models with a program generator: each question's most likely whole program (prefix tokens, null where there is
   * none) and its log-probability under the generator. Used by --pseudo_program_min_log_prob (self-training).
   */
  likelyPrograms?(batch: QuestionBatch): { programs: (string[] | null)[]; logProbs: Float64Array };
  /** Non-parameter state to checkpoint (moving-average baselines, ...). */
  getState?(): Record<string, unknown>;
  setState?(state: Record<string, unknown>): void;
  dispose(): void;
}

export type ModelFactory = (ctx: ModelContext) => ModelAdapter | Promise<ModelAdapter>;
