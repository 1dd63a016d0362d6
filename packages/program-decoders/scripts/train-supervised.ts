/**
 * Trains the seq2seq program generator with supervision on generated CLEVR-style questions (clevr-data's
 * scene sampler and question generator from its built-in templates) and reports the exact-match rate of
 * greedily decoded programs on questions about held-out scenes. Prints JSON lines.
 *
 *   npx tsx scripts/train-supervised.ts [--train-scenes 1000] [--val-scenes 60] [--max-steps 3000]
 *     [--batch 64] [--lr 3e-3] [--hidden 128] [--wordvec 64] [--layers 1] [--cell lstm] [--target 0.95]
 *     [--eval-every 200] [--seed 0]
 */
import { parseArgs } from 'node:util';
import {
  buildVocab,
  builtinTemplateSet,
  encodeQuestions,
  generateScene,
  type Question,
  QuestionGenerator,
} from '@mmnet/clevr-data';
import { initBackend, tf } from '@mmnet/core-tensors';
import { createProgramGenerator, decodeGreedy, programExactMatch, teacherForcedLoss } from '../src/index.js';

function intFlag(values: Record<string, string | boolean | undefined>, name: string): number {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`--${name}: expected a positive integer, got "${values[name]}"`);
  return v;
}

function questionsFor(seed: number, scenes: number, split: string): Question[] {
  const generator = new QuestionGenerator(builtinTemplateSet(), { seed, templatesPerImage: 10 });
  const out: Question[] = [];
  for (let i = 0; i < scenes; i++) {
    for (const g of generator.generateForScene(generateScene({ seed, index: i, split }).json)) {
      const question: Question = { ...g };
      out.push(question);
    }
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      'train-scenes': { type: 'string', default: '1000' },
      'val-scenes': { type: 'string', default: '60' },
      'max-steps': { type: 'string', default: '3000' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '3e-3' },
      hidden: { type: 'string', default: '128' },
      wordvec: { type: 'string', default: '64' },
      layers: { type: 'string', default: '1' },
      cell: { type: 'string', default: 'lstm' },
      target: { type: 'string', default: '0.95' },
      'eval-every': { type: 'string', default: '200' },
      seed: { type: 'string', default: '0' },
    },
  });
  const seed = Number(values.seed);
  const lr = Number(values.lr);
  const target = Number(values.target);
  if (!(lr > 0)) throw new Error(`--lr: expected a positive number, got "${values.lr}"`);
  if (values.cell !== 'lstm' && values.cell !== 'gru')
    throw new Error(`--cell: expected lstm or gru, got "${values.cell}"`);
  await initBackend();

  let t0 = performance.now();
  const train = questionsFor(seed * 2 + 1, intFlag(values, 'train-scenes'), 'train');
  const heldOut = questionsFor(seed * 2 + 2, intFlag(values, 'val-scenes'), 'val');
  const vocab = buildVocab(train);
  const trainEnc = encodeQuestions(train, vocab);
  const valEnc = encodeQuestions(heldOut, vocab, {
    allowUnk: true,
    questionLength: Math.max(trainEnc.questionLength, 1),
    programLength: trainEnc.programLength,
  });
  console.log(
    JSON.stringify({
      event: 'data',
      train: train.length,
      heldOut: heldOut.length,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      questionVocab: Object.keys(vocab.question_token_to_idx).length,
      programVocab: Object.keys(vocab.program_token_to_idx).length,
    }),
  );

  const { generator, store } = createProgramGenerator(
    {
      encoderWordvecDim: intFlag(values, 'wordvec'),
      decoderWordvecDim: intFlag(values, 'wordvec'),
      hiddenDim: intFlag(values, 'hidden'),
      numLayers: intFlag(values, 'layers'),
      cell: values.cell,
      maxProgramLength: trainEnc.programLength,
    },
    vocab,
    { seed },
  );
  const optimizer = tf.train.adam(lr);
  const batch = intFlag(values, 'batch');
  const Lq = trainEnc.questionLength;
  const Lp = trainEnc.programLength;
  const order = Array.from({ length: trainEnc.count }, (_, i) => i);
  let cursor = order.length;
  const nextBatch = () => {
    const q = new Int32Array(batch * Lq);
    const p = new Int32Array(batch * Lp);
    for (let b = 0; b < batch; b++) {
      if (cursor >= order.length) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(((Math.sin(seed + cursor + i) + 1) / 2) * (i + 1)) % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        cursor = 0;
      }
      const row = order[cursor++];
      q.set(trainEnc.questions.subarray(row * Lq, (row + 1) * Lq), b * Lq);
      p.set(trainEnc.programs!.subarray(row * Lp, (row + 1) * Lp), b * Lp);
    }
    return { q, p };
  };
  const evaluate = (): number => {
    const sequences: number[][] = [];
    const chunk = 256;
    for (let from = 0; from < valEnc.count; from += chunk) {
      const n = Math.min(chunk, valEnc.count - from);
      const questions = tf.tensor2d(valEnc.questions.subarray(from * Lq, (from + n) * Lq), [n, Lq], 'int32');
      sequences.push(...decodeGreedy(generator, questions).sequences);
      questions.dispose();
    }
    return programExactMatch(sequences, valEnc.programs!, Lp).accuracy;
  };

  const maxSteps = intFlag(values, 'max-steps');
  const evalEvery = intFlag(values, 'eval-every');
  t0 = performance.now();
  let evalSeconds = 0;
  let accuracy = 0;
  let step = 0;
  while (step < maxSteps) {
    const { q, p } = nextBatch();
    const loss = tf.tidy(() => {
      const questions = tf.tensor2d(q, [batch, Lq], 'int32');
      const programs = tf.tensor2d(p, [batch, Lp], 'int32');
      return optimizer
        .minimize(() => teacherForcedLoss(generator, questions, programs), true, store.variables())!
        .dataSync()[0];
    });
    step++;
    if (step % evalEvery === 0 || step === maxSteps) {
      const e0 = performance.now();
      accuracy = evaluate();
      evalSeconds += (performance.now() - e0) / 1000;
      const trainingSeconds = (performance.now() - t0) / 1000 - evalSeconds;
      console.log(
        JSON.stringify({
          event: 'eval',
          step,
          loss: +loss.toFixed(4),
          heldOutExactMatch: +accuracy.toFixed(4),
          trainingSeconds: +trainingSeconds.toFixed(1),
        }),
      );
      if (accuracy >= target) break;
    }
  }
  const trainingSeconds = (performance.now() - t0) / 1000 - evalSeconds;
  console.log(
    JSON.stringify({
      event: 'done',
      steps: step,
      heldOutQuestions: valEnc.count,
      heldOutExactMatch: +accuracy.toFixed(4),
      reachedTarget: accuracy >= target,
      trainingSeconds: +trainingSeconds.toFixed(1),
      backend: tf.getBackend(),
    }),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
