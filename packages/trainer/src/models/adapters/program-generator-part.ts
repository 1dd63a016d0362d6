import type { ClevrBatch } from '@mmnet/clevr-data';
import { type ParameterStore, tf } from '@mmnet/core-tensors';
import type { NodeCapture } from '@mmnet/module-net';
import {
  createProgramGenerator,
  decodeGreedy,
  maskedSequenceCrossEntropy,
  repairPrefixProgram,
  type Seq2SeqConfigInput,
  type Seq2SeqProgramGenerator,
  trimmedBatch,
} from '@mmnet/program-decoders';
import { NULL_ID, type Vocab } from '@mmnet/programs';
import {
  type ForwardContext,
  type ForwardOutput,
  imageModelConfigInput,
  type ModelAdapter,
  type ModelContext,
  type ProgramBatch,
  type ProgramSource,
  type StepMap,
} from '../model-adapter.js';
import { questionTensor, requirePrograms } from './classification-loss.js';

/** Parameter prefix of the program generator inside a model's store. */
export const PROGRAM_GENERATOR_PREFIX = 'programGenerator';

/** Prefix id rows `<START> tokens <END> <NULL>...` [B, width], as module networks take them. */
export interface ProgramRows {
  data: Int32Array;
  shape: [number, number];
}

/**
 * The seq2seq program generator that a model executing given programs (PG, PG_memory) carries when its
 * `model_config.programGenerator` is set, as clevr-iep pairs its program generator with its execution engine:
 * it learns by teacher forcing on the batch's ground-truth programs while the executor learns on the same
 * programs, and at evaluation and prediction the executor runs its greedily decoded programs.
 */
export interface ProgramGeneratorPart {
  generator: Seq2SeqProgramGenerator;
  /** Teacher-forced loss on the batch's programs and the fraction whose argmax program is exactly right. */
  loss(batch: ProgramBatch): { loss: tf.Scalar; exactMatch: number };
  /** Greedy programs for the batch's questions, repaired into complete trees (`repairPrefixProgram`). */
  predict(batch: ClevrBatch): ProgramRows;
}

/** Builds the generator in `store` under `programGenerator.*` (the vocab's own question and program ids). */
export function createProgramGeneratorPart(
  store: ParameterStore,
  vocab: Vocab,
  config: Seq2SeqConfigInput,
): ProgramGeneratorPart {
  const { generator } = createProgramGenerator(config, vocab, {
    store,
    scope: store.scope(PROGRAM_GENERATOR_PREFIX),
  });
  return {
    generator,
    loss: (batch) => teacherForcedProgramLoss(generator, batch, 'the program generator'),
    predict(batch) {
      const questions = questionTensor(batch);
      const decoded = decodeGreedy(generator, questions);
      questions.dispose();
      const vocabulary = generator.programs;
      const rows = decoded.sequences.map((seq) => [
        ...repairPrefixProgram(seq, (id) => vocabulary.arity(id), vocabulary.sceneId).tokens,
      ]);
      const width = Math.max(...rows.map((r) => r.length));
      const data = new Int32Array(rows.length * width);
      rows.forEach((r, i) => data.set(r, i * width));
      return { data, shape: [rows.length, width] };
    },
  };
}

/**
 * A seq2seq generator's teacher-forced loss on the batch's ground-truth programs, and the fraction of the batch
 * whose argmax program is exactly right (every non-padding next token); an error naming `model` without programs.
 */
export function teacherForcedProgramLoss(
  generator: Seq2SeqProgramGenerator,
  batch: ProgramBatch,
  model: string,
): { loss: tf.Scalar; exactMatch: number } {
  const { data, shape } = requirePrograms(batch, model);
  // Cut to the batch's longest question and program: the decoder runs no all-padding step, and the loss and exact
  // match are the same (those columns are masked out of both).
  const cut = trimmedBatch(
    {
      count: shape[0],
      questions: batch.questions,
      questionLength: batch.questionLength,
      programs: data,
      programLength: shape[1],
    },
    Array.from({ length: shape[0] }, (_, i) => i),
  );
  const programs = tf.tensor2d(cut.programs, [cut.size, cut.programLength], 'int32');
  const questions = tf.tensor2d(cut.questions, [cut.size, cut.questionLength], 'int32');
  const logits = generator.teacherForcedLogits(questions, programs);
  const targets = tf.slice(programs, [0, 1], [cut.size, cut.programLength - 1]) as tf.Tensor2D;
  const wrong = tf.logicalAnd(tf.notEqual(tf.argMax(logits, -1), targets), tf.notEqual(targets, NULL_ID));
  const wrongPerRow = tf.sum(tf.cast(wrong, 'int32'), 1).dataSync();
  const exactMatch = wrongPerRow.filter((w) => w === 0).length / shape[0];
  return { loss: maskedSequenceCrossEntropy(logits, targets), exactMatch };
}

/** The generator's config from a model's `model_config` (its `programGenerator` entry), and the rest. */
export function splitGeneratorConfig(modelConfig: Record<string, unknown>): {
  generator?: Seq2SeqConfigInput;
  rest: Record<string, unknown>;
} {
  const { programGenerator, ...rest } = modelConfig;
  if (programGenerator === undefined) return { rest };
  if (typeof programGenerator !== 'object' || programGenerator === null)
    throw new Error('model_config.programGenerator: must be an object (the seq2seq generator sizes)');
  return { generator: programGenerator as Seq2SeqConfigInput, rest };
}

/**
 * Which programs an executor of given programs runs: the ground truth when training or asked (`given`), its
 * generator's otherwise; an error naming the model when it has neither.
 */
export function programsToRun(
  batch: ClevrBatch,
  part: ProgramGeneratorPart | undefined,
  source: ProgramSource | undefined,
  training: boolean,
  model: string,
): ProgramRows {
  const wantGiven = source === 'given' || (source === undefined && (training || !part));
  if (!wantGiven && part) return part.predict(batch);
  if (!batch.programs || !batch.programLength) {
    throw new Error(
      part
        ? `${model}: no ground-truth programs in the batch (ask for the generator's programs instead)`
        : `${model} executes given programs, but there are none (train it with model_config.programGenerator to predict them)`,
    );
  }
  return { data: batch.programs, shape: [batch.featureShape[0], batch.programLength] };
}

/**
 * A forward's output with the generator's share: while training on given programs, its teacher-forced loss is
 * added (its parameters are disjoint from the executor's, so each part's optimiser sees only its own loss);
 * when the executed programs were predicted, they are returned as `programs`.
 */
export function withGeneratorLoss(
  out: ForwardOutput,
  batch: ClevrBatch,
  part: ProgramGeneratorPart | undefined,
  fctx: ForwardContext,
  executed: ProgramRows,
): ForwardOutput {
  if (!part) return out;
  if (executed.data !== batch.programs) out.programs = tf.tensor2d(executed.data, executed.shape, 'int32');
  else if (fctx.training && fctx.trainMode !== 'EE')
    out.loss = tf.add(out.loss, part.loss(batch).loss) as tf.Scalar;
  return out;
}

/** The executor's node captures as step maps (per sample, prefix order). */
export function stepMaps(captures: readonly NodeCapture[][] | undefined): StepMap[][] | undefined {
  return captures?.map((list) =>
    list.map((c) => ({ step: c.step, token: c.token, map: c.map, shape: [c.shape[0], c.shape[1]] })),
  );
}

/** A module network that executes programs, as `programExecutorAdapter` wraps it. */
export interface ProgramExecutor {
  name: string;
  store: ParameterStore;
  config: object;
  /** Parameter prefixes of the executor's group. */
  executorPrefixes: string[];
  addressingLabels?: string[];
  /** The answer pass on the programs to run (the batch's or the generator's). */
  forward(batch: ClevrBatch, fctx: ForwardContext, programs: ProgramRows): ForwardOutput;
}

/**
 * The adapter of a model that executes programs (PG, PG_memory): its executor, built from the run's image-model
 * config without `programGenerator`, plus the optional program generator of `model_config.programGenerator`,
 * trained on the same programs and executed at evaluation and prediction.
 */
export function programExecutorAdapter(
  ctx: ModelContext,
  create: (configInput: Record<string, unknown>) => ProgramExecutor,
): ModelAdapter {
  const { generator: generatorConfig, rest } = splitGeneratorConfig(ctx.modelConfig);
  const executor = create(imageModelConfigInput({ ...ctx, modelConfig: rest }));
  const { name, store } = executor;
  const part = generatorConfig ? createProgramGeneratorPart(store, ctx.vocab, generatorConfig) : undefined;
  return {
    name,
    store,
    config: part ? { ...executor.config, programGenerator: part.generator.config } : executor.config,
    groups: {
      programGenerator: part ? [PROGRAM_GENERATOR_PREFIX] : [],
      executor: executor.executorPrefixes,
    },
    addressingLabels: executor.addressingLabels,
    predictsPrograms: part !== undefined,
    executesGivenPrograms: true,
    forward(batch, fctx) {
      const programs = programsToRun(batch, part, fctx.programs, fctx.training, name);
      return withGeneratorLoss(executor.forward(batch, fctx, programs), batch, part, fctx, programs);
    },
    programLoss: part ? (batch) => part.loss(batch) : undefined,
    dispose: () => {
      part?.generator.dispose();
      store.dispose();
    },
  };
}
