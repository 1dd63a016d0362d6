/**
 * The training-throughput benchmark protocol of mmnet, shared by every model package's bench entries: the
 * configs, random inputs and programs of the PyTorch reference (/work/shared/bench/pytorch_reference.py; the
 * programs are copied here as programs.json), and a runner printing one JSON line per model with the questions
 * per second of training (forward, backward, Adam).
 *
 * A package adds models by exporting `benchModels: BenchModel[]` from its `bench/entries.ts`; `models.ts` loads
 * those files. `trainedBenchModel` runs the training loop, so an entry only builds its model and loss.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, LeanAdam, type Rng, tf } from '@mmnet/core-tensors';

export interface BenchConfig {
  name: string;
  inChannels: number;
  stemDim: number;
  /** Height and width of the feature map. */
  size: number;
  batch: number;
}

/** Same configs as the PyTorch reference. */
export const BENCH_CONFIGS: Record<string, BenchConfig> = {
  small: { name: 'small', inChannels: 128, stemDim: 64, size: 14, batch: 32 },
  seed: { name: 'seed', inChannels: 1024, stemDim: 256, size: 14, batch: 15 },
};

export const BENCH_ANSWERS = 32;
export const BENCH_QUESTION_VOCAB = 96;
export const BENCH_QUESTION_LENGTH = 20;

/** What every bench model gets: the reference's inputs, generated from a seed. */
export interface BenchSetup {
  config: BenchConfig;
  /** Random features [batch, size, size, inChannels] (NHWC). */
  features: tf.Tensor4D;
  /** Random answers, one-hot [batch, BENCH_ANSWERS]. */
  answers: tf.Tensor2D;
  /** The same answers as ids. */
  answerIds: number[];
  /** Random question ids in 4..95 [batch, 20] int32, all of length 20. */
  questions: tf.Tensor2D;
  lengths: number[];
  /** The reference's programs (prefix tokens), used round-robin: step i takes programs[(i*batch + j) % n]. */
  programs: string[][];
  programsForStep(step: number): string[][];
  rng: Rng;
}

/** A trainable model under test: `step(i)` runs one full training step (forward, backward, Adam). */
export interface BenchRun {
  step(index: number): void;
  dispose(): void;
}

export interface BenchModel {
  name: string;
  build(setup: BenchSetup): BenchRun;
}

/** What a bench entry builds for `trainedBenchModel`: the trained variables and the loss of a step. */
export interface BenchTrainable {
  variables: tf.Variable[];
  /** The training loss of step `index`, run inside the harness's gradient function (no tidy needed). */
  loss(index: number): tf.Scalar;
  dispose(): void;
}

/**
 * A bench model whose training loop is the harness's: each step is one Adam step (the reference's
 * learning rate, per variable) on `loss(step)` over the built variables. Entries only build the model.
 */
export function trainedBenchModel(name: string, build: (setup: BenchSetup) => BenchTrainable): BenchModel {
  return {
    name,
    build(setup) {
      const trainable = build(setup);
      const optimizer = createBenchOptimizer();
      return {
        step(index) {
          adamStep(optimizer, trainable.variables, () => trainable.loss(index));
        },
        dispose() {
          optimizer.dispose();
          trainable.dispose();
        },
      };
    },
  };
}

/** The answer cross-entropy of logits [batch, BENCH_ANSWERS] against the setup's answers. */
export function benchAnswerLoss(setup: BenchSetup, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(setup.answers, logits) as tf.Scalar;
}

/** The answer vocabulary of the bench (`a0` ... `a31`). */
export function benchAnswerVocab(): Record<string, number> {
  return Object.fromEntries(Array.from({ length: BENCH_ANSWERS }, (_, i) => [`a${i}`, i]));
}

const here = dirname(fileURLToPath(import.meta.url));

/** The programs of the reference benchmark (bench/programs.json next to this file). */
export function loadBenchPrograms(): string[][] {
  const file = join(here, 'programs.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of programs`);
  return raw.map((entry, i) => {
    const prefix = (entry as { prefix?: unknown }).prefix;
    if (!Array.isArray(prefix) || !prefix.every((t) => typeof t === 'string')) {
      throw new Error(`${file}: entry ${i} has no "prefix" list of tokens`);
    }
    return prefix as string[];
  });
}

export function createBenchSetup(config: BenchConfig, seed = 0): BenchSetup {
  const rng = createRng(seed);
  const { batch, size, inChannels } = config;
  const programs = loadBenchPrograms();
  const feats = new Float32Array(batch * size * size * inChannels);
  for (let i = 0; i < feats.length; i++) feats[i] = rng.normal();
  const answerIds = Array.from({ length: batch }, () => rng.int(BENCH_ANSWERS));
  const qids = Array.from(
    { length: batch * BENCH_QUESTION_LENGTH },
    () => 4 + rng.int(BENCH_QUESTION_VOCAB - 4),
  );
  return {
    config,
    features: tf.tensor4d(feats, [batch, size, size, inChannels]),
    answers: tf.tidy(
      () => tf.cast(tf.oneHot(tf.tensor1d(answerIds, 'int32'), BENCH_ANSWERS), 'float32') as tf.Tensor2D,
    ),
    answerIds,
    questions: tf.tensor2d(qids, [batch, BENCH_QUESTION_LENGTH], 'int32'),
    lengths: new Array(batch).fill(BENCH_QUESTION_LENGTH),
    programs,
    programsForStep: (step) =>
      Array.from({ length: batch }, (_, j) => programs[(step * batch + j) % programs.length]),
    rng,
  };
}

/** One optimiser step on a loss over some variables (only those the loss reaches are updated), freeing intermediates. */
export function adamStep(optimizer: LeanAdam, variables: tf.Variable[], loss: () => tf.Scalar): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, variables);
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}

/**
 * Adam with the reference's learning rate. LeanAdam counts steps per variable and skips variables without a
 * gradient, as PyTorch's Adam does (a batch reaches only the modules its programs use), and updates one
 * variable at a time, so the large ones (e.g. PG_memory's 237 MB memory bank) fit the 4 GB wasm heap.
 */
export function createBenchOptimizer(learningRate = 1e-4): LeanAdam {
  return new LeanAdam({ learningRate });
}

export interface BenchResult {
  impl: string;
  model: string;
  config: string;
  batch: number;
  threads: number;
  questions_per_s: number;
}

/** Times `steps` training steps after one warm-up step, as the reference does. */
export function measureModel(model: BenchModel, setup: BenchSetup, steps: number): BenchResult {
  const run = model.build(setup);
  try {
    run.step(0);
    const start = performance.now();
    for (let i = 1; i <= steps; i++) run.step(i);
    const seconds = (performance.now() - start) / 1000;
    return {
      impl: `mmnet-tfjs-${tf.version_core}-${tf.getBackend()}`,
      model: model.name,
      config: setup.config.name,
      batch: setup.config.batch,
      threads: 1,
      questions_per_s: +((steps * setup.config.batch) / seconds).toFixed(2),
    };
  } finally {
    run.dispose();
  }
}
