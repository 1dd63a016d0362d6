/*
 * What a PG_endtoend stack-executor run has learned, on the first val questions of its dataset: its accuracy, the
 * accuracy when every question is paired with another question's image (a model that ignores the image loses
 * nothing), and per controller step how sharp the address is (entropy over the layout tokens, against the uniform
 * entropy, and the mean top share) and which token it puts most mass on. Writes one JSON object to stdout.
 *
 *   tsx src/stack-diagnostics.ts --run RUNS/PG_endtoend-stack/train --data DATA/clevr-small [--samples 512]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ClevrBatch, ClevrH5Dataset } from '@mmnet/clevr-data';
import { createRng, initBackend, tf } from '@mmnet/core-tensors';
import { builtinModels, loadTrainedModel, readVocabFile, resolveCheckpoint } from '@mmnet/trainer';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    samples: { type: 'string', default: '512' },
  },
});
if (!(values.run || values.checkpoint) || !values.data)
  throw new Error('usage: stack-diagnostics (--run RUN_DIR | --checkpoint FILE) --data DATASET_DIR');
await initBackend();
const samples = Number(values.samples);
const vocab = readVocabFile(join(values.data, 'vocab.json'));
const dataset = await ClevrH5Dataset.open({
  questionsH5: join(values.data, 'val_questions.h5'),
  featuresH5: join(values.data, 'val_features.h5'),
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
const rng = createRng(0);
const context = { training: false, trainMode: 'PG+EE' as const, rng, step: 0 };

let seen = 0;
let correct = 0;
let correctShuffled = 0;
let entropySum: number[] = [];
let topSum: number[] = [];
const topTokens: Map<string, number>[] = [];
/** The batch with its images rotated by one: every question sees another question's image. */
const rotated = (b: ClevrBatch): ClevrBatch => {
  const per = b.features.length / b.featureShape[0];
  const features = new Float32Array(b.features.length);
  features.set(b.features.subarray(per));
  features.set(b.features.subarray(0, per), b.features.length - per);
  return { ...b, features };
};
const argmaxRows = (x: tf.Tensor2D) => tf.argMax(x, 1).dataSync();
for await (const batch of dataset.epoch(0)) {
  const n = batch.featureShape[0];
  const answers = batch.answers!;
  tf.tidy(() => {
    const out = model.forward(batch, context);
    const predicted = argmaxRows(out.logits);
    const shuffled = argmaxRows(model.forward(rotated(batch), context).logits);
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
dataset.close();
