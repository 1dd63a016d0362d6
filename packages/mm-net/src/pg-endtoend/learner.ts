import { createRng, type ParameterStore, type Rng, tf } from '@mmnet/core-tensors';
import { fillMissingGradients } from '@mmnet/module-net';
import {
  curriculumLength,
  gumbelTemperature,
  MovingAverageBaseline,
  type ProgramStatusCounts,
  teacherForcedLoss,
} from '@mmnet/program-decoders';
import {
  type EndToEndTraining,
  type EndToEndTrainingInput,
  EndToEndTrainingSchema,
  type TrainMode,
} from './config.js';
import type { EndToEndModuleMemoryNetwork } from './end-to-end-network.js';
import { endToEndObjective } from './objective.js';

/** One batch for PG_endtoend: image features, encoded questions and answer ids. */
export interface EndToEndBatch {
  features: tf.Tensor4D;
  questions: tf.Tensor2D;
  /** Answer id per sample (int32 [N]). */
  answers: tf.Tensor1D;
}

export interface EndToEndStepMetrics {
  step: number;
  trainMode: TrainMode;
  /** Mean answer cross-entropy. */
  answerLoss: number;
  accuracy: number;
  /** Hard modes: mean reward and the baseline it was compared with. */
  meanReward: number | null;
  baseline: number | null;
  maxLength: number;
  gumbelTemperature: number | null;
  programs: ProgramStatusCounts;
}

/**
 * One training step of PG_endtoend at a time, with separate Adam optimisers for the program generator and
 * the executor: PG trains only the generator, EE only the executor, PG+EE both. The answer cross-entropy
 * trains the executor, and the generator too in soft and gumbel modes (through the addresses); in hard
 * modes the generator learns by REINFORCE (moving-average baseline, entropy bonus). The maximum program
 * length follows the curriculum and the Gumbel temperature its schedule, by step count.
 */
export class EndToEndLearner {
  readonly training: EndToEndTraining;
  readonly baseline: MovingAverageBaseline;
  private readonly rng: Rng;
  private readonly generatorOptimizer: tf.Optimizer;
  private readonly executorOptimizer: tf.Optimizer;
  private readonly groups: { programGenerator: tf.Variable[]; executor: tf.Variable[] };
  private steps = 0;

  constructor(
    readonly model: EndToEndModuleMemoryNetwork,
    store: ParameterStore,
    training: EndToEndTrainingInput = {},
  ) {
    this.training = EndToEndTrainingSchema.parse(training);
    this.rng = createRng(this.training.seed);
    this.baseline = new MovingAverageBaseline(model.config.decoder.reinforce.baselineMomentum);
    this.generatorOptimizer = tf.train.adam(this.training.generatorLearningRate);
    this.executorOptimizer = tf.train.adam(this.training.executorLearningRate);
    this.groups = model.parameterGroups(store);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** The parameters one step trains in the learner's train mode. */
  trainedVariables(): tf.Variable[] {
    const trainMode = this.training.trainMode;
    return [
      ...(trainMode !== 'EE' ? this.groups.programGenerator : []),
      ...(trainMode !== 'PG' ? this.groups.executor : []),
    ];
  }

  /**
   * The training objective of the next step on a batch, as a gradient function body (no tidy of its own):
   * the answer cross-entropy, plus the REINFORCE loss in the hard modes (which updates the baseline). The
   * maximum program length is the curriculum's at the current step unless `maxLength` is given.
   */
  trainingLoss(
    batch: EndToEndBatch,
    options: { maxLength?: number } = {},
  ): {
    loss: tf.Scalar;
    metrics: EndToEndStepMetrics;
  } {
    const cfg = this.model.config.decoder;
    const mode = cfg.mode;
    const maxLength = options.maxLength ?? curriculumLength(cfg.curriculum, this.steps);
    const temperature = mode === 'gumbel' ? gumbelTemperature(cfg.gumbel, this.steps) : null;
    const out = this.model.forward(batch.features, batch.questions, {
      mode,
      maxLength,
      rng: this.rng,
      gumbelTemperature: temperature ?? undefined,
      sampleTemperature: cfg.reinforce.sampleTemperature,
      // Train mode EE: the executor learns the generator's most likely programs (the generator does not learn).
      greedy: this.training.trainMode === 'EE',
    });
    const objective = endToEndObjective(out, Int32Array.from(batch.answers.dataSync()), {
      mode,
      reinforce: cfg.reinforce,
      baseline: this.baseline,
      generatorLearns: this.training.trainMode !== 'EE',
    });
    const n = objective.correct.length;
    const metrics: EndToEndStepMetrics = {
      step: this.steps,
      trainMode: this.training.trainMode,
      answerLoss: objective.answerLoss.dataSync()[0],
      accuracy: objective.correct.filter(Boolean).length / n,
      meanReward: objective.meanReward,
      baseline: objective.baseline,
      maxLength,
      gumbelTemperature: temperature,
      programs: out.decoded.statusCounts,
    };
    return { loss: objective.loss, metrics };
  }

  /** One step on a batch (the decoder mode is the model config's). */
  step(batch: EndToEndBatch): EndToEndStepMetrics {
    const trainMode = this.training.trainMode;
    let metrics!: EndToEndStepMetrics;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const objective = this.trainingLoss(batch);
        metrics = objective.metrics;
        return objective.loss;
      }, this.trainedVariables());
      if (trainMode !== 'EE') {
        this.generatorOptimizer.applyGradients(fillMissingGradients(grads, this.groups.programGenerator));
      }
      if (trainMode !== 'PG') {
        this.executorOptimizer.applyGradients(fillMissingGradients(grads, this.groups.executor));
      }
    });
    this.steps++;
    return metrics;
  }

  /**
   * A supervised step of the generator alone on ground-truth programs (teacher forcing), e.g. the small
   * labelled part of weak supervision before learning from answers. Returns the loss.
   */
  supervisedProgramStep(questions: tf.Tensor2D, programs: tf.Tensor2D): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => teacherForcedLoss(this.model.generator, questions, programs),
        this.groups.programGenerator,
      );
      this.generatorOptimizer.applyGradients(fillMissingGradients(grads, this.groups.programGenerator));
      return value.dataSync()[0];
    });
  }

  dispose(): void {
    this.generatorOptimizer.dispose();
    this.executorOptimizer.dispose();
  }
}
