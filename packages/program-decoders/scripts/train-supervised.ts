/**
 * Trains the seq2seq program generator with supervision on generated CLEVR-style questions (clevr-data's
 * scene sampler and question generator from its built-in templates) and reports the exact-match rate of
 * greedily decoded programs on questions about held-out scenes (another seed and split).
 *
 *   npx tsx scripts/train-supervised.ts --out runs/pg-supervised [--seed 0] [--train-scenes 4000]
 *     [--val-scenes 100] [--max-steps 6000] [--batch 64] [--lr 3e-3] [--lr-half-life 2000] [--clip 5]
 *     [--hidden 128] [--wordvec 64] [--layers 1] [--cell lstm] [--target 0.95] [--eval-every 250]
 *     [--resume]
 *
 * Batches group questions of similar length and are cut to their longest question and program, so the
 * recurrent nets run few padding steps. Every evaluation saves, atomically, `generator.safetensors`
 * (weights + config + vocabularies: `loadProgramGenerator` reads it), `optimizer.safetensors` (Adam's
 * moments) and `progress.json`; `--resume` continues from them. The end writes `result.json`. Prints JSON
 * lines. Training time is reported as process CPU seconds (the machine is shared) and wall seconds, both
 * without data generation and evaluation.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildVocab, encodeQuestions, type Question } from '@mmnet/clevr-data';
import { builtinTemplateSet, generateScene, QuestionGenerator } from '@mmnet/clevr-synth';
import {
  clipGradientsByNorm,
  createRng,
  initBackend,
  loadCheckpoint,
  saveCheckpoint,
  tf,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import type { Vocab } from '@mmnet/programs';
import {
  createProgramGenerator,
  decodeGreedy,
  type EncodedPairs,
  lengthGroupedBatches,
  loadProgramGenerator,
  programExactMatch,
  type Seq2SeqConfigInput,
  saveProgramGenerator,
  teacherForcedLoss,
  trimmedBatch,
} from '../src/index.js';

function positiveInt(values: Record<string, unknown>, name: string): number {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`--${name}: expected a positive integer, got "${values[name]}"`);
  return v;
}

function positiveNumber(values: Record<string, unknown>, name: string): number {
  const v = Number(values[name]);
  if (!(v > 0)) throw new Error(`--${name}: expected a positive number, got "${values[name]}"`);
  return v;
}

/** Questions about `scenes` generated scenes of a split, `templatesPerImage` per scene. */
function generatedQuestions(seed: number, scenes: number, split: string): Question[] {
  const generator = new QuestionGenerator(builtinTemplateSet(), { seed, templatesPerImage: 10 });
  const out: Question[] = [];
  for (let i = 0; i < scenes; i++) {
    for (const g of generator.generateForScene(generateScene({ seed, index: i, split }).json))
      out.push({ ...g });
  }
  return out;
}

function encodedPairs(questions: Question[], vocab: Vocab, lengths?: { q: number; p: number }): EncodedPairs {
  const enc = encodeQuestions(questions, vocab, {
    allowUnk: lengths !== undefined,
    questionLength: lengths?.q,
    programLength: lengths?.p,
  });
  if (!enc.programs) throw new Error('generated questions have no programs');
  return { ...enc, programs: enc.programs };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'train-scenes': { type: 'string', default: '4000' },
      'val-scenes': { type: 'string', default: '100' },
      'max-steps': { type: 'string', default: '6000' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '3e-3' },
      'lr-half-life': { type: 'string', default: '2000' },
      clip: { type: 'string', default: '5' },
      hidden: { type: 'string', default: '128' },
      wordvec: { type: 'string', default: '64' },
      layers: { type: 'string', default: '1' },
      cell: { type: 'string', default: 'lstm' },
      target: { type: 'string', default: '0.95' },
      'eval-every': { type: 'string', default: '250' },
      resume: { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error('--out: a folder for the checkpoint and result is required');
  const out = values.out;
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed: expected an integer >= 0, got "${values.seed}"`);
  if (values.cell !== 'lstm' && values.cell !== 'gru')
    throw new Error(`--cell: expected lstm or gru, got "${values.cell}"`);
  const lr = positiveNumber(values, 'lr');
  const halfLife = positiveNumber(values, 'lr-half-life');
  const clip = positiveNumber(values, 'clip');
  const target = positiveNumber(values, 'target');
  const batchSize = positiveInt(values, 'batch');
  const maxSteps = positiveInt(values, 'max-steps');
  const evalEvery = positiveInt(values, 'eval-every');
  const trainScenes = positiveInt(values, 'train-scenes');
  const valScenes = positiveInt(values, 'val-scenes');
  mkdirSync(out, { recursive: true });
  const generatorPath = join(out, 'generator.safetensors');
  const optimizerPath = join(out, 'optimizer.safetensors');
  const resuming = values.resume && existsSync(generatorPath) && existsSync(optimizerPath);
  const backend = await initBackend();

  const dataStart = performance.now();
  const trainQuestions = generatedQuestions(seed * 2 + 1, trainScenes, 'train');
  const heldOutQuestions = generatedQuestions(seed * 2 + 2, valScenes, 'val');
  const built = buildVocab(trainQuestions);
  const train = encodedPairs(trainQuestions, built);
  const dataSeconds = (performance.now() - dataStart) / 1000;

  const config: Seq2SeqConfigInput = {
    encoderWordvecDim: positiveInt(values, 'wordvec'),
    decoderWordvecDim: positiveInt(values, 'wordvec'),
    hiddenDim: positiveInt(values, 'hidden'),
    numLayers: positiveInt(values, 'layers'),
    cell: values.cell,
    maxProgramLength: train.programLength,
  };
  const created = resuming
    ? loadProgramGenerator(generatorPath)
    : { ...createProgramGenerator(config, built, { seed }), vocab: built, metadata: {} };
  const { generator, store } = created;
  const vocab: Vocab = { ...built, ...created.vocab };
  // Held-out questions are encoded with the model's vocabulary (unknown words become <UNK>).
  const heldOut = encodedPairs(heldOutQuestions, vocab, { q: train.questionLength, p: train.programLength });
  const trainTexts = new Set(trainQuestions.map((q) => q.question));
  const sizes = { ...generator.config, weights: store.countWeights() };
  const dataSizes = {
    trainScenes,
    trainQuestions: train.count,
    distinctTrainQuestions: trainTexts.size,
    heldOutScenes: valScenes,
    heldOutQuestions: heldOut.count,
    heldOutSeenInTraining: heldOutQuestions.filter((q) => trainTexts.has(q.question)).length,
    questionVocab: Object.keys(vocab.question_token_to_idx).length,
    programVocab: Object.keys(vocab.program_token_to_idx).length,
    generationSeconds: +dataSeconds.toFixed(1),
  };
  console.log(JSON.stringify({ event: 'data', ...dataSizes }));

  const optimizer = tf.train.adam(lr);
  const settable = optimizer as unknown as { learningRate: number };
  let step = 0;
  let spentCpu = 0;
  let spentWall = 0;
  if (resuming) {
    const saved = loadCheckpoint(optimizerPath);
    step = Number(saved.metadata.step);
    spentCpu = Number(saved.metadata.trainingCpuSeconds ?? 0);
    spentWall = Number(saved.metadata.trainingWallSeconds ?? 0);
    if (!Number.isInteger(step) || step < 0)
      throw new Error(`${optimizerPath}: metadata step "${saved.metadata.step}" is not a step count`);
    const order = saved.metadata.order;
    if (!Array.isArray(order) || order.some((n) => !(n in saved.tensors))) {
      throw new Error(`${optimizerPath}: metadata "order" does not list its tensors`);
    }
    await optimizer.setWeights(
      (order as string[]).map((name) => {
        const a = saved.tensors[name];
        return { name, tensor: name === 'iter' ? tf.scalar(a.data[0]) : tf.tensor(a.data, a.shape) };
      }),
    );
    console.log(JSON.stringify({ event: 'resume', step, from: out }));
  }

  const evaluate = (): number => {
    const sequences: number[][] = [];
    const chunk = 250;
    const L = heldOut.questionLength;
    for (let from = 0; from < heldOut.count; from += chunk) {
      const n = Math.min(chunk, heldOut.count - from);
      const questions = tf.tensor2d(heldOut.questions.subarray(from * L, (from + n) * L), [n, L], 'int32');
      sequences.push(...decodeGreedy(generator, questions).sequences);
      questions.dispose();
    }
    return programExactMatch(sequences, heldOut.programs, heldOut.programLength).accuracy;
  };

  const runInfo = {
    seed,
    lr,
    lrHalfLife: halfLife,
    clip,
    batch: batchSize,
    sizes,
    data: dataSizes,
    backend: backend.name,
  };
  const save = async (accuracy: number, cpu: number, wall: number) => {
    const progress = {
      step,
      heldOutExactMatch: accuracy,
      trainingCpuSeconds: cpu,
      trainingWallSeconds: wall,
    };
    saveProgramGenerator(generatorPath, generator, store, vocab, { metadata: { ...runInfo, ...progress } });
    const moments = await optimizer.getWeights();
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const { name, tensor } of moments) {
      tensors[name] = { shape: tensor.shape, data: Float32Array.from(tensor.dataSync()) };
    }
    // Adam matches moments to variables by position: keep the order (safetensors sorts names).
    saveCheckpoint(optimizerPath, tensors, { ...progress, order: moments.map((m) => m.name) });
    // Adam hands out its own moment variables; only the iteration count is a new tensor.
    for (const { name, tensor } of moments) if (name === 'iter') tensor.dispose();
    writeFileAtomic(join(out, 'progress.json'), `${JSON.stringify({ ...runInfo, ...progress }, null, 2)}\n`);
  };

  const epochBatches = (epoch: number) =>
    lengthGroupedBatches(train, batchSize, createRng(seed * 100003 + epoch));
  const perEpoch = Math.ceil(train.count / batchSize);
  let epoch = Math.floor(step / perEpoch);
  let batches = epochBatches(epoch);
  let cpuStart = cpuSeconds();
  let wallStart = performance.now();
  let accuracy = resuming ? Number(created.metadata.heldOutExactMatch ?? 0) : 0;
  let loss = Number.NaN;
  while (step < maxSteps && accuracy < target) {
    if (Math.floor(step / perEpoch) !== epoch) {
      epoch = Math.floor(step / perEpoch);
      batches = epochBatches(epoch);
    }
    const b = trimmedBatch(train, batches[step % perEpoch]);
    settable.learningRate = lr * 0.5 ** (step / halfLife);
    loss = tf.tidy(() => {
      const questions = tf.tensor2d(b.questions, [b.size, b.questionLength], 'int32');
      const programs = tf.tensor2d(b.programs, [b.size, b.programLength], 'int32');
      const { value, grads } = tf.variableGrads(
        () => teacherForcedLoss(generator, questions, programs),
        store.variables(),
      );
      optimizer.applyGradients(
        clipGradientsByNorm(grads, clip).grads as Parameters<typeof optimizer.applyGradients>[0],
      );
      return value.dataSync()[0];
    });
    step++;
    if (step % evalEvery === 0 || step === maxSteps) {
      spentCpu += cpuSeconds() - cpuStart;
      spentWall += (performance.now() - wallStart) / 1000;
      accuracy = evaluate();
      await save(accuracy, spentCpu, spentWall);
      console.log(
        JSON.stringify({
          event: 'eval',
          step,
          epoch,
          lr: +settable.learningRate.toExponential(3),
          loss: +loss.toFixed(4),
          heldOutExactMatch: +accuracy.toFixed(4),
          trainingCpuSeconds: +spentCpu.toFixed(1),
          trainingWallSeconds: +spentWall.toFixed(1),
        }),
      );
      cpuStart = cpuSeconds();
      wallStart = performance.now();
    }
  }
  const result = {
    ...runInfo,
    steps: step,
    epochs: +(step / perEpoch).toFixed(2),
    heldOutQuestions: heldOut.count,
    heldOutExactMatch: accuracy,
    reachedTarget: accuracy >= target,
    target,
    trainingCpuSeconds: +spentCpu.toFixed(1),
    trainingWallSeconds: +spentWall.toFixed(1),
    checkpoint: generatorPath,
  };
  writeFileAtomic(join(out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ event: 'done', ...result }));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
