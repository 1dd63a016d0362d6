import { type ClevrBatch, ClevrH5Dataset, readQuestionsH5 } from '@mmnet/clevr-data';
import {
  type BackendReport,
  type Checkpoint,
  clipGradientsByValue,
  createRng,
  currentBackend,
  loadCheckpoint,
  loadParametersInto,
  type NamedArray,
  type Rng,
  type RngState,
  saveParameters,
  tf,
} from '@mmnet/core-tensors';
import { tokensByIndex, type Vocab } from '@mmnet/programs';
import type { TrainConfig, TrainMode } from '../config/train-config.js';
import { type AnswerPrior, answerTypePrior } from '../data/answer-kinds.js';
import { checkDatasetFiles, datasetFiles } from '../data/dataset-files.js';
import { pseudoPrograms, restrictOrder, selectSupervisedQuestions } from '../data/program-supervision.js';
import { QuestionLengthCurriculum } from '../data/question-length-curriculum.js';
import { readVocabFile, vocabHash } from '../data/vocab-file.js';
import { createModel } from '../models/create-model.js';
import type { ModelAdapter } from '../models/model-adapter.js';
import type { ModelRegistry } from '../models/registry.js';
import { TrainingDivergedError } from './errors.js';
import { GroupOptimizer, type OptimizerState } from './group-optimizer.js';
import { type TrainPosition, totalIterations } from './train-position.js';

export interface TrainerSetup {
  config: TrainConfig;
  registry: ModelRegistry;
  /** Training state to continue from (a checkpoint of this run). */
  resumeFrom?: Checkpoint;
  resumeSource?: string;
}

export interface IterationResult {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  questions: number;
}

const OPTIM_PREFIX = 'optim/';

function parseRngState(value: unknown, source: string): RngState {
  const v = value as RngState | undefined;
  if (!v || !Array.isArray(v.s) || v.s.length !== 4)
    throw new Error(`${source}: metadata.rng is not a generator state`);
  return v;
}

/**
 * One training run in memory: datasets, model, the two optimisers, the data position and the generator of
 * the forward passes. No console, no run files: `TrainingRun` (the CLI's side) owns those.
 */
export class Trainer {
  readonly position: TrainPosition = { epoch: 0, batchInEpoch: 0 };
  step = 0;
  bestValAccuracy = Number.NEGATIVE_INFINITY;
  /** Minutes of training before this process (from the resumed checkpoint): the time-based schedule's start. */
  scheduleMinutesBefore = 0;
  readonly optimizers: { programGenerator: GroupOptimizer; executor: GroupOptimizer };
  private readonly trainable: tf.Variable[];
  private order?: { epoch: number; indices: Int32Array };
  private supervisedOrder?: { epoch: number; indices: Int32Array };
  /** --program_supervision_fraction: the training rows whose programs the generator learns from (sorted). */
  supervisedRows?: Int32Array;
  /** --pseudo_program_min_log_prob: the supervised rows whose program is the loaded generator's, as id rows. */
  pseudoPrograms?: Map<number, Int32Array>;
  /** --question_length_curriculum: the growing pool of short questions the first updates draw from. */
  lengthCurriculum?: QuestionLengthCurriculum;

  private constructor(
    readonly config: TrainConfig,
    readonly model: ModelAdapter,
    readonly vocab: Vocab,
    readonly vocabHash: string,
    readonly train: ClevrH5Dataset,
    readonly val: ClevrH5Dataset,
    readonly prior: AnswerPrior,
    readonly rng: Rng,
  ) {
    const pgLr = config.pg_lr ?? config.lr;
    this.optimizers = {
      programGenerator: new GroupOptimizer(
        'programGenerator',
        model.store,
        model.groups.programGenerator,
        pgLr,
      ),
      executor: new GroupOptimizer('executor', model.store, model.groups.executor, config.lr),
    };
    const grouped = new Set([...this.optimizers.programGenerator.names, ...this.optimizers.executor.names]);
    const outside = model.store
      .trainableEntries()
      .map(([n]) => n)
      .filter((n) => !grouped.has(n));
    if (outside.length) {
      throw new Error(
        `model ${model.name}: ${outside.length} parameter(s) belong to neither the program generator nor the executor (${outside.slice(0, 3).join(', ')})`,
      );
    }
    this.trainable = Trainer.trainableFor(config.train_mode, this.optimizers);
    if (!this.trainable.length) {
      throw new Error(
        `--train_mode ${config.train_mode}: model ${model.name} has no parameters to train in that mode`,
      );
    }
  }

  private static trainableFor(mode: TrainMode, o: Trainer['optimizers']): tf.Variable[] {
    const out: tf.Variable[] = [];
    if (mode !== 'EE') out.push(...o.programGenerator.variables);
    if (mode !== 'PG') out.push(...o.executor.variables);
    return out;
  }

  static async create(setup: TrainerSetup): Promise<Trainer> {
    const { config } = setup;
    const files = datasetFiles(config.clevr_dataset);
    checkDatasetFiles(files);
    const vocab = readVocabFile(files.vocab);
    const hash = vocabHash(vocab);
    const train = await ClevrH5Dataset.open({
      questionsH5: files.trainQuestions,
      featuresH5: files.trainFeatures,
      batchSize: config.batch_size,
      shuffle: true,
      seed: config.seed,
      prefetch: false,
    });
    const val = await ClevrH5Dataset.open({
      questionsH5: files.valQuestions,
      featuresH5: files.valFeatures,
      batchSize: config.batch_size,
      shuffle: false,
      maxSamples: config.num_val_samples,
      prefetch: false,
    });
    try {
      if (!train.hasAnswers) throw new Error(`${files.trainQuestions}: no answers (needed for training)`);
      if (config.batch_size > train.size) {
        // Otherwise every batch would silently hold the whole (smaller) training set.
        throw new Error(
          `--batch_size ${config.batch_size}: larger than the ${train.size} training questions of ${files.trainQuestions} (use at most ${train.size})`,
        );
      }
      if (!val.hasAnswers) throw new Error(`${files.valQuestions}: no answers (needed for validation)`);
      const [c, h, w] = train.featureShapeCHW;
      const [vc, vh, vw] = val.featureShapeCHW;
      if (c !== vc || h !== vh || w !== vw) {
        throw new Error(
          `${files.valFeatures}: features [${vc}, ${vh}, ${vw}] differ from ${files.trainFeatures} [${c}, ${h}, ${w}]`,
        );
      }
      if (config.n_channel !== undefined && config.n_channel !== c) {
        throw new Error(`--n-channel ${config.n_channel}: ${files.trainFeatures} has ${c} channels`);
      }
      const vocabSize = Object.keys(vocab.question_token_to_idx).length;
      if (config.question_size !== undefined && config.question_size < vocabSize) {
        throw new Error(
          `--question_size ${config.question_size}: ${files.vocab} has ${vocabSize} question tokens`,
        );
      }
      const answerTokens = tokensByIndex(vocab.answer_token_to_idx);
      const trainQuestions = await readQuestionsH5(files.trainQuestions);
      const trainAnswers = trainQuestions.answers!;
      const valAnswers = (await readQuestionsH5(files.valQuestions)).answers!.subarray(0, val.size);
      const prior = answerTypePrior(trainAnswers, valAnswers, answerTokens);

      const model = await createModel(config, vocab, [h, w, c], setup.registry);
      const trainer = new Trainer(config, model, vocab, hash, train, val, prior, createRng(config.seed + 1));
      if (config.question_length_curriculum > 0 && config.program_supervision_fraction !== undefined)
        throw new Error(
          '--question_length_curriculum: not with --program_supervision_fraction (it restricts the questions too)',
        );
      if (config.program_supervision_fraction !== undefined) {
        if (!train.hasPrograms)
          throw new Error(`--program_supervision_fraction: ${files.trainQuestions} has no programs`);
        if (!model.programLoss)
          throw new Error(
            `--program_supervision_fraction: model ${model.name} has no program generator that learns from programs`,
          );
        trainer.supervisedRows = selectSupervisedQuestions(
          train.size,
          config.program_supervision_fraction,
          config.seed,
        );
      }
      if (config.question_length_curriculum > 0) {
        const { data, cols } = trainQuestions.questions;
        trainer.lengthCurriculum = new QuestionLengthCurriculum(
          data,
          cols,
          config.question_length_curriculum,
        );
      }
      const pseudo = config.pseudo_program_min_log_prob;
      // Self-training labels with the loaded weights, so a resumed run labels as its start did.
      if (config.load_model_path && (!setup.resumeFrom || pseudo !== undefined))
        trainer.loadWeights(config.load_model_path, config.load_model_mode);
      if (pseudo !== undefined) {
        if (!model.likelyPrograms)
          throw new Error(
            `--pseudo_program_min_log_prob: model ${model.name} cannot label questions with programs`,
          );
        trainer.pseudoPrograms = pseudoPrograms(
          { ...trainQuestions.questions, rows: train.size },
          trainer.supervisedRows!,
          (batch) => model.likelyPrograms!(batch),
          { minLogProb: pseudo, vocab: vocab.program_token_to_idx, width: trainQuestions.programs!.cols },
        );
        trainer.supervisedRows = Int32Array.from(
          [...trainer.supervisedRows!, ...trainer.pseudoPrograms.keys()].sort((a, b) => a - b),
        );
      }
      if (setup.resumeFrom) await trainer.restore(setup.resumeFrom, setup.resumeSource ?? 'checkpoint');
      return trainer;
    } catch (error) {
      train.close();
      val.close();
      throw error;
    }
  }

  /** Under --program_supervision_fraction without --program_loss_weight the updates learn from programs alone. */
  get programsOnly(): boolean {
    return this.programRows !== undefined;
  }

  /** The rows the epochs serve when they learn from programs alone (else all rows). */
  private get programRows(): Int32Array | undefined {
    return this.config.program_loss_weight === 0 ? this.supervisedRows : undefined;
  }

  get batchesPerEpoch(): number {
    const rows = this.programRows;
    return rows ? Math.ceil(rows.length / this.config.batch_size) : this.train.numBatches;
  }

  /** Training questions one epoch serves (the supervised rows only, under --program_supervision_fraction). */
  get questionsPerEpoch(): number {
    return this.programRows?.length ?? this.train.size;
  }

  get totalIterations(): number {
    return totalIterations(
      this.batchesPerEpoch,
      this.config.max_epochs,
      this.config.batch_multiplier,
      this.config.max_iterations,
    );
  }

  get finished(): boolean {
    return this.step >= this.totalIterations;
  }

  /** Loads the EE, PG or PG+EE parameters of another checkpoint (the reference's --load_model_mode). */
  loadWeights(path: string, mode: TrainMode): void {
    const prefixes: string[] = [];
    if (mode !== 'EE') prefixes.push(...this.model.groups.programGenerator);
    if (mode !== 'PG') prefixes.push(...this.model.groups.executor);
    if (!prefixes.length)
      throw new Error(`--load_model_mode ${mode}: model ${this.model.name} has no such part`);
    loadParametersInto(this.model.store, loadCheckpoint(path), path, { prefixes });
  }

  private batchOrder(epoch: number): Int32Array {
    if (this.order?.epoch !== epoch) {
      const all = this.train.order(epoch);
      const rows = this.programRows;
      this.order = { epoch, indices: rows ? restrictOrder(all, rows) : all };
    }
    return this.order.indices;
  }

  /** The next batch (`part`: which of the update's --batch_multiplier batches); the data position moves on. */
  private nextBatch(part: number): ClevrBatch {
    if (this.position.batchInEpoch >= this.batchesPerEpoch) {
      this.position.epoch++;
      this.position.batchInEpoch = 0;
    }
    const order = this.batchOrder(this.position.epoch);
    const size = this.config.batch_size;
    const k = this.position.batchInEpoch++;
    // Under the length curriculum an update counts in its epoch as any other, but draws from the short questions.
    if (this.lengthCurriculum?.active(this.step))
      return this.train.readBatch(this.lengthCurriculum.batch(this.step, part, size, this.config.seed));
    return this.readRows(order.subarray(k * size, Math.min((k + 1) * size, order.length)));
  }

  /** Training rows as a batch, with the self-training programs in place of the dataset's where there are any. */
  readRows(rows: Int32Array): ClevrBatch {
    const batch = this.train.readBatch(rows);
    const pseudo = this.pseudoPrograms;
    if (pseudo?.size && batch.programs && batch.programLength) {
      const width = batch.programLength;
      rows.forEach((row, i) => {
        const program = pseudo.get(row);
        if (program) batch.programs!.set(program, i * width);
      });
    }
    return batch;
  }

  /**
   * The supervised questions whose program loss joins update `step`'s part `part` (--program_loss_weight): they
   * cycle in each of their own epochs' seeded order, a function of the step, so a resumed run draws the same ones.
   */
  private supervisedBatch(part: number): ClevrBatch {
    const rows = this.supervisedRows!;
    const size = Math.min(this.config.batch_size, rows.length);
    const perEpoch = Math.ceil(rows.length / size);
    const k = this.step * this.config.batch_multiplier + part;
    const epoch = Math.floor(k / perEpoch);
    if (this.supervisedOrder?.epoch !== epoch)
      this.supervisedOrder = { epoch, indices: restrictOrder(this.train.order(epoch), rows) };
    const i = k % perEpoch;
    return this.readRows(
      this.supervisedOrder.indices.subarray(i * size, Math.min((i + 1) * size, rows.length)),
    );
  }

  /** Sets both optimisers' learning rates to `factor` times their base rates (--lr, --pg_lr). */
  setLearningRateFactor(factor: number): void {
    for (const opt of Object.values(this.optimizers)) opt.setLearningRate(opt.learningRate * factor);
  }

  /** One optimiser update over `batch_multiplier` batches (gradients summed, averaged, clipped by value). */
  iteration(): IterationResult {
    const k = this.config.batch_multiplier;
    let accumulated: Record<string, tf.Tensor> = {};
    let lossSum = 0;
    let correct = 0;
    let questions = 0;
    try {
      for (let m = 0; m < k; m++) {
        const batch = this.nextBatch(m);
        let predicted: tf.Tensor | undefined;
        let programMatches = 0;
        const programsOnly = this.programsOnly;
        const weight = this.config.program_loss_weight;
        const withPrograms = weight > 0 ? this.supervisedBatch(m) : undefined;
        const { value, grads } = tf.variableGrads(() => {
          if (programsOnly) {
            const out = this.model.programLoss!(batch, { rng: this.rng, step: this.step });
            programMatches = out.exactMatch;
            return out.loss;
          }
          const out = this.model.forward(batch, {
            training: true,
            trainMode: this.config.train_mode,
            rng: this.rng,
            step: this.step,
          });
          predicted = tf.keep(tf.argMax(out.logits, -1));
          if (!withPrograms) return out.loss;
          return tf.add(
            out.loss,
            tf.mul(this.model.programLoss!(withPrograms, { rng: this.rng, step: this.step }).loss, weight),
          ) as tf.Scalar;
        }, this.trainable);
        const loss = value.dataSync()[0];
        value.dispose();
        const pred = predicted?.dataSync();
        predicted?.dispose();
        if (!Number.isFinite(loss)) {
          for (const g of Object.values(grads)) g.dispose();
          throw new TrainingDivergedError(
            `loss is ${loss} at step ${this.step + 1} (epoch ${this.position.epoch + 1}); training stopped before applying it`,
          );
        }
        const answers = batch.answers!;
        // Under program supervision the reported training accuracy is the program exact match.
        if (pred) {
          for (let i = 0; i < answers.length; i++) if (pred[i] === answers[i]) correct++;
        } else correct += programMatches * answers.length;
        questions += answers.length;
        lossSum += loss;
        if (m === 0) accumulated = grads;
        else {
          const summed: Record<string, tf.Tensor> = {};
          for (const [name, g] of Object.entries(grads)) {
            summed[name] = accumulated[name] ? tf.add(accumulated[name], g) : g;
            if (accumulated[name]) {
              accumulated[name].dispose();
              g.dispose();
            }
          }
          for (const [name, g] of Object.entries(accumulated)) if (!(name in summed)) summed[name] = g;
          accumulated = summed;
        }
      }
      const clipped = tf.tidy(() => {
        const scaled: Record<string, tf.Tensor> = {};
        for (const [name, g] of Object.entries(accumulated)) scaled[name] = k === 1 ? g : tf.div(g, k);
        return clipGradientsByValue(scaled, this.config.min_grad, this.config.max_grad);
      });
      if (this.config.train_mode !== 'EE') this.optimizers.programGenerator.apply(clipped);
      if (this.config.train_mode !== 'PG') this.optimizers.executor.apply(clipped);
      for (const g of Object.values(clipped)) g.dispose();
    } finally {
      for (const g of Object.values(accumulated)) if (!g.isDisposed) g.dispose();
    }
    this.step++;
    return {
      step: this.step,
      epoch: this.position.epoch,
      loss: lossSum / k,
      accuracy: correct / Math.max(1, questions),
      questions,
    };
  }

  /** Parameters, optimiser moments and everything else needed to continue exactly. */
  async state(): Promise<{ tensors: Record<string, NamedArray>; metadata: Record<string, unknown> }> {
    const tensors: Record<string, NamedArray> = { ...this.model.store.snapshot() };
    const optimizers: Record<string, { iterations: number }> = {};
    for (const [group, opt] of Object.entries(this.optimizers)) {
      const s = await opt.getState();
      optimizers[group] = { iterations: s.iterations };
      for (const [name, value] of Object.entries(s.moments))
        tensors[`${OPTIM_PREFIX}${group}/${name}`] = value;
    }
    return {
      tensors,
      metadata: {
        config: this.config,
        model_name: this.model.name,
        model_config: this.model.config,
        vocab_hash: this.vocabHash,
        step: this.step,
        epoch: this.position.epoch,
        batch_in_epoch: this.position.batchInEpoch,
        rng: this.rng.getState(),
        optimizers,
        model_state: this.model.getState?.() ?? {},
        best_val_accuracy: Number.isFinite(this.bestValAccuracy) ? this.bestValAccuracy : null,
        backend: currentBackend()?.name ?? null,
      },
    };
  }

  private async restore(checkpoint: Checkpoint, source: string): Promise<void> {
    const meta = checkpoint.metadata;
    if (meta.vocab_hash !== this.vocabHash) {
      throw new Error(
        `${source}: the checkpoint was trained with another vocabulary (hash ${String(meta.vocab_hash)}, dataset has ${this.vocabHash})`,
      );
    }
    const params: Record<string, NamedArray> = {};
    const moments: Record<string, Record<string, NamedArray>> = { programGenerator: {}, executor: {} };
    for (const [name, value] of Object.entries(checkpoint.tensors)) {
      if (name.startsWith(OPTIM_PREFIX)) {
        const rest = name.slice(OPTIM_PREFIX.length);
        const slash = rest.indexOf('/');
        const group = rest.slice(0, slash);
        if (!(group in moments)) throw new Error(`${source}: unknown optimiser tensor "${name}"`);
        moments[group][rest.slice(slash + 1)] = value;
      } else params[name] = value;
    }
    this.model.store.assign(params, { strict: true, source });
    const optimizerMeta = (meta.optimizers ?? {}) as Record<string, { iterations?: number }>;
    for (const [group, opt] of Object.entries(this.optimizers)) {
      const state: OptimizerState = {
        iterations: optimizerMeta[group]?.iterations ?? 0,
        moments: moments[group],
      };
      await opt.setState(state, source);
    }
    this.step = Number(meta.step);
    this.position.epoch = Number(meta.epoch);
    this.position.batchInEpoch = Number(meta.batch_in_epoch);
    if (![this.step, this.position.epoch, this.position.batchInEpoch].every(Number.isInteger)) {
      throw new Error(`${source}: metadata step/epoch/batch_in_epoch are not integers`);
    }
    this.rng.setState(parseRngState(meta.rng, source));
    if (meta.model_state && this.model.setState)
      this.model.setState(meta.model_state as Record<string, unknown>);
    this.bestValAccuracy =
      typeof meta.best_val_accuracy === 'number' ? meta.best_val_accuracy : Number.NEGATIVE_INFINITY;
    this.scheduleMinutesBefore = typeof meta.schedule_minutes === 'number' ? meta.schedule_minutes : 0;
  }

  /** Writes the parameters alone (with config and vocab hash), as --save_model and `mmnet eval` use. */
  saveModel(path: string): void {
    saveParameters(path, this.model.store, {
      format: 'mmnet-model',
      config: this.config,
      model_name: this.model.name,
      model_config: this.model.config,
      vocab_hash: this.vocabHash,
      step: this.step,
    });
  }

  backend(): BackendReport | undefined {
    return currentBackend();
  }

  dispose(): void {
    this.train.close();
    this.val.close();
    this.optimizers.programGenerator.dispose();
    this.optimizers.executor.dispose();
    this.model.dispose();
  }
}
