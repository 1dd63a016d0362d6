import type { Rng, tf } from '@mmnet/core-tensors';
import {
  curriculumLength,
  type DecoderMode,
  gumbelTemperature,
  type LearningDecoderConfig,
  type MovingAverageBaseline,
} from '@mmnet/program-decoders';
import type { TrainMode } from './config.js';
import type { EndToEndModuleMemoryNetwork, EndToEndOutput } from './end-to-end-network.js';
import { type EndToEndObjective, endToEndObjective } from './objective.js';

/** Where a PG_endtoend pass stands: its training step, whether it trains, which part learns, the curriculum. */
export interface EndToEndPassPosition {
  /** Training steps taken so far (the curriculum's and the Gumbel schedule's clock). */
  step: number;
  /** false for evaluation and prediction: the most likely programs, no REINFORCE. */
  training: boolean;
  trainMode: TrainMode;
  /** Grow the program length by the decoder's curriculum; otherwise every pass runs the full length. */
  useCurriculum: boolean;
  /**
   * Hard and gumbel modes train on the most likely programs too, as evaluation runs them: no sample, so no
   * REINFORCE. The stack executor's controller still learns from the answers through its control vectors.
   * Default false.
   */
  greedyPrograms?: boolean;
}

/** How one PG_endtoend pass decodes and learns, derived from its position and the decoder config. */
export interface EndToEndPassSettings {
  mode: DecoderMode;
  /** Longest program (or number of steps) of this pass. */
  maxLength: number;
  /** Gumbel mode only. */
  gumbelTemperature: number | undefined;
  sampleTemperature: number;
  /**
   * Execute the generator's most likely programs: in evaluation (as clevr-iep evaluates PG+EE), in train mode EE
   * (the executor learns the generator's programs while the generator does not learn) and with `greedyPrograms`.
   */
  greedy: boolean;
  /** Whether the generator learns from this pass by REINFORCE (hard modes; not in EE, not in evaluation). */
  generatorLearns: boolean;
}

/**
 * The one rule for PG_endtoend's schedules, for the tree and the stack executor alike: the curriculum caps the
 * program length (at most `fullLength`, the generator's or the controller's own limit) when it is on, the Gumbel
 * temperature follows its schedule, and evaluation, train mode EE and `greedyPrograms` run the most likely programs.
 */
export function endToEndPassSettings(
  decoder: LearningDecoderConfig,
  at: EndToEndPassPosition,
  fullLength: number,
): EndToEndPassSettings {
  const mode = decoder.mode;
  return {
    mode,
    maxLength: at.useCurriculum
      ? Math.min(fullLength, curriculumLength(decoder.curriculum, at.step))
      : fullLength,
    gumbelTemperature: mode === 'gumbel' ? gumbelTemperature(decoder.gumbel, at.step) : undefined,
    sampleTemperature: decoder.reinforce.sampleTemperature,
    greedy: !at.training || at.trainMode === 'EE' || at.greedyPrograms === true,
    generatorLearns: at.training && at.trainMode !== 'EE' && at.greedyPrograms !== true,
  };
}

export interface EndToEndPassOptions extends EndToEndPassPosition {
  /** Seeded generator of the Gumbel noise and the hard samples. */
  rng: Rng;
  /** The REINFORCE baseline, kept across passes by the caller (its value is part of a resumable state). */
  baseline: MovingAverageBaseline;
  /** Keep every executed step's output for reports. */
  capture?: boolean;
}

export interface EndToEndPass {
  out: EndToEndOutput;
  objective: EndToEndObjective;
  settings: EndToEndPassSettings;
}

/**
 * One PG_endtoend pass of the tree executor on a batch: decode with the schedules of `endToEndPassSettings`,
 * execute, and score with `endToEndObjective`. This is the training step's loss of the trainer's PG_endtoend
 * (a gradient function body: no tidy of its own); which variables learn is the caller's choice (`trainMode`
 * picks among `model.parameterGroups`).
 */
export function endToEndPass(
  model: EndToEndModuleMemoryNetwork,
  features: tf.Tensor4D,
  questions: tf.Tensor2D,
  answers: Int32Array,
  options: EndToEndPassOptions,
): EndToEndPass {
  const decoder = model.config.decoder;
  const settings = endToEndPassSettings(decoder, options, model.generator.config.maxProgramLength);
  const out = model.forward(features, questions, {
    mode: settings.mode,
    maxLength: settings.maxLength,
    rng: options.rng,
    gumbelTemperature: settings.gumbelTemperature,
    sampleTemperature: settings.sampleTemperature,
    greedy: settings.greedy,
    capture: options.capture,
    training: options.training,
  });
  const objective = endToEndObjective(out, answers, {
    mode: settings.mode,
    reinforce: decoder.reinforce,
    baseline: options.baseline,
    generatorLearns: settings.generatorLearns,
  });
  return { out, objective, settings };
}
