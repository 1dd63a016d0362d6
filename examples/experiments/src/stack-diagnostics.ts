/*
 * What a PG_endtoend stack-executor run has learned, on the first questions of a split (val by default): its
 * accuracy, the accuracy when every question is paired with another image (a model that ignores the image loses
 * nothing), and per controller step how sharp the address is (entropy over the layout tokens, against the uniform
 * entropy, and the mean top share) and which token it puts most mass on. Writes one JSON object to stdout.
 *
 * With `--candidates K`, on questions that have programs: how often the aligned program is the controller's most
 * likely whole layout, and how often it is among its K most likely (mm-net's `likelyLayouts`); and, running the
 * executor on each candidate, how often some candidate answers right and how often the first that does is the
 * aligned program. This bounds what choosing among the controller's layouts by their answers can gain.
 *
 *   tsx src/stack-diagnostics.ts --run RUNS/PG_endtoend-stack/train --data DATA/clevr-small [--samples 512]
 *     [--split val] [--candidates 8]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ClevrBatch, ClevrH5Dataset } from '@mmnet/clevr-data';
import { createRng, initBackend, tf } from '@mmnet/core-tensors';
import {
  alignedLayout,
  createStackEndToEndNetwork,
  likelyLayouts,
  parseStackEndToEndConfig,
} from '@mmnet/mm-net';
import { clevrTypes, type Vocab } from '@mmnet/programs';
import {
  builtinModels,
  loadTrainedModel,
  type ModelAdapter,
  readVocabFile,
  resolveCheckpoint,
} from '@mmnet/trainer';
import { withOtherImages } from './other-images.js';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    samples: { type: 'string', default: '512' },
    split: { type: 'string', default: 'val' },
    candidates: { type: 'string', default: '0' },
  },
});
if (!(values.run || values.checkpoint) || !values.data)
  throw new Error('usage: stack-diagnostics (--run RUN_DIR | --checkpoint FILE) --data DATASET_DIR');
await initBackend();
const samples = Number(values.samples);
const vocab = readVocabFile(join(values.data, 'vocab.json'));
const dataset = await ClevrH5Dataset.open({
  questionsH5: join(values.data, `${values.split}_questions.h5`),
  featuresH5: join(values.data, `${values.split}_features.h5`),
  batchSize: 64,
  shuffle: false,
  maxSamples: samples,
  prefetch: false,
});
const [c, h, w] = dataset.featureShapeCHW;
const { file, checkpoint } = resolveCheckpoint({ run: values.run, checkpoint: values.checkpoint });
// Runs saved before the modules read the control vector have no `stack.control` and no `executor.control.*`.
const stack = (checkpoint.metadata.config as { model_config?: { stack?: Record<string, unknown> } })
  ?.model_config?.stack;
if (stack && stack.control === undefined && !('executor.control.select.weight' in checkpoint.tensors))
  stack.control = false;
const { model } = await loadTrainedModel(file, checkpoint, vocab, [h, w, c], builtinModels());
const labels = model.addressingLabels ?? [];
const candidates = Number(values.candidates);
const chooser = candidates > 0 ? layoutCandidates(model, vocab, candidates) : null;
const rng = createRng(0);
const context = { training: false, trainMode: 'PG+EE' as const, rng, step: 0 };

let seen = 0;
let correct = 0;
let correctShuffled = 0;
let entropySum: number[] = [];
let topSum: number[] = [];
const topTokens: Map<string, number>[] = [];
let sameImage = 0;
const argmaxRows = (x: tf.Tensor2D) => tf.argMax(x, 1).dataSync();
for await (const batch of dataset.epoch(0)) {
  const n = batch.featureShape[0];
  const answers = batch.answers!;
  chooser?.add(batch);
  tf.tidy(() => {
    const out = model.forward(batch, context);
    const predicted = argmaxRows(out.logits);
    const shuffled = argmaxRows(
      model.forward(
        withOtherImages(batch, () => sameImage++),
        context,
      ).logits,
    );
    for (let i = 0; i < n; i++) {
      if (predicted[i] === answers[i]) correct++;
      if (shuffled[i] === answers[i]) correctShuffled++;
    }
    const a = out.addressing as tf.Tensor3D; // [N, T, K]
    const [, T, K] = a.shape;
    if (entropySum.length === 0) {
      entropySum = new Array(T).fill(0);
      topSum = new Array(T).fill(0);
      for (let t = 0; t < T; t++) topTokens.push(new Map());
    }
    const p = a.dataSync();
    for (let i = 0; i < n; i++)
      for (let t = 0; t < T; t++) {
        let entropy = 0;
        let best = 0;
        for (let k = 0; k < K; k++) {
          const v = p[(i * T + t) * K + k];
          if (v > 0) entropy -= v * Math.log(v);
          if (v > p[(i * T + t) * K + best]) best = k;
        }
        entropySum[t] += entropy;
        topSum[t] += p[(i * T + t) * K + best];
        const name = labels[best] ?? String(best);
        topTokens[t].set(name, (topTokens[t].get(name) ?? 0) + 1);
      }
  });
  seen += n;
}
const K = labels.length;
console.log(
  JSON.stringify(
    {
      checkpoint: file,
      step: checkpoint.metadata.step,
      questions: seen,
      accuracy: correct / seen,
      accuracyWithOtherImages: correctShuffled / seen,
      questionsWithoutOtherImage: sameImage,
      candidates: chooser?.summary(),
      uniformEntropy: Math.log(K),
      steps: entropySum.map((e, t) => ({
        entropy: e / seen,
        meanTopShare: topSum[t] / seen,
        mostChosen: [...topTokens[t].entries()].sort((x, y) => y[1] - x[1]).slice(0, 3),
      })),
    },
    null,
    1,
  ),
);
model.dispose();
chooser?.dispose();
dataset.close();

/** The `--candidates` measures, on a stack network that holds the loaded model's parameters. */
function layoutCandidates(loaded: ModelAdapter, vocab: Vocab, k: number) {
  const { executorKind, ...input } = loaded.config as Record<string, unknown>;
  if (executorKind !== 'stack')
    throw new Error(`--candidates: ${file} is not a PG_endtoend stack-executor model`);
  const parsed = parseStackEndToEndConfig(input);
  const { model: network, store } = createStackEndToEndNetwork(parsed, vocab);
  store.assign(loaded.store.snapshot(), { strict: true, source: file });
  const T = parsed.stack.steps;
  const counts = {
    questions: 0,
    aligned: 0,
    mostLikely: 0,
    amongK: 0,
    someAnswers: 0,
    firstAnsweringIsAligned: 0,
  };
  const firstAnsweringRank = new Array<number>(k).fill(0);
  return {
    add(batch: ClevrBatch) {
      const n = batch.featureShape[0];
      const width = batch.programLength;
      if (!batch.programs || !width)
        throw new Error(`--candidates: ${values.split}_questions.h5 has no programs`);
      tf.tidy(() => {
        const questions = tf.tensor2d(batch.questions, [n, batch.questionLength], 'int32');
        const features = tf.tensor4d(batch.features, batch.featureShape);
        const scores = tf.logSoftmax(network.layoutLogits(questions, T)).dataSync();
        const found = likelyLayouts(scores, n, T, network.programs, k, {
          depth: parsed.stack.depth,
          types: clevrTypes,
        });
        // answers[j][i]: candidate j of question i answers right (false where a row has fewer candidates).
        const answers = Array.from({ length: k }, (_, j) => {
          const layout = found.map((rows) => (rows[j] ?? rows[0]).layout);
          // One pass at a time: k passes' activations at once outgrow the wasm heap.
          const predicted = tf.tidy(() =>
            tf
              .argMax(
                network.forward(features, questions, { layout, mode: 'soft', training: false }).logits,
                1,
              )
              .dataSync(),
          );
          return found.map((rows, i) => rows[j] !== undefined && predicted[i] === batch.answers![i]);
        });
        for (let i = 0; i < n; i++) {
          counts.questions++;
          const aligned = alignedLayout(
            batch.programs!.subarray(i * width, (i + 1) * width),
            network.programs,
            T,
          );
          if (aligned) counts.aligned++;
          const isAligned = (j: number) => aligned !== null && found[i][j]?.layout.join() === aligned.join();
          if (isAligned(0)) counts.mostLikely++;
          if (found[i].some((_, j) => isAligned(j))) counts.amongK++;
          const first = answers.findIndex((row) => row[i]);
          if (first < 0) continue;
          counts.someAnswers++;
          firstAnsweringRank[first]++;
          if (isAligned(first)) counts.firstAnsweringIsAligned++;
        }
      });
    },
    summary: () => ({ k, ...counts, firstAnsweringRank }),
    dispose: () => {
      network.dispose();
      store.dispose();
    },
  };
}
