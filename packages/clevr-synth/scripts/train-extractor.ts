/**
 * Trains the built-in feature extractor on the pretext task (per-cell colour/shape/material/size classes of
 * the renderer's own scenes) and writes weights/builtin-extractor.safetensors.
 *
 *   npx tsx scripts/train-extractor.ts [--seed 7] [--train_images 16000] [--val_images 200] [--steps 20000]
 *     [--batch 16] [--lr 0.002] [--work_dir /tmp/mmnet-builtin-extractor] [--out weights/builtin-extractor.safetensors]
 *     [--config '{"stages":[{"patch":4,"channels":32,"convs":2},...]}']   (the CNN's shape: builtinCnnConfigSchema)
 *
 * Long: run in the background (`nohup npx tsx scripts/train-extractor.ts > train.log 2>&1 &`). Rendered
 * samples are cached in chunks and the model + Adam state are checkpointed in the work folder, so a stopped
 * run continues where it was when started again with the same flags. Progress lines are JSON on stdout.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseWithSchema } from '@mmnet/clevr-data';
import {
  createRng,
  decodeSafetensors,
  initBackend,
  loadCheckpoint,
  loadParametersInto,
  ParameterStore,
  saveCheckpoint,
  tf,
} from '@mmnet/core-tensors';
import {
  assemblePretextBatch,
  BUILTIN_WEIGHTS_FORMAT,
  BuiltinCnn,
  builtinCnnConfigSchema,
  builtinCnnGrid,
  PretextAccuracy,
  type PretextSample,
  predictedClasses,
  pretextLoss,
  renderPretextSample,
} from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    train_images: { type: 'string', default: '16000' },
    val_images: { type: 'string', default: '200' },
    steps: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.002' },
    object_cell_weight: { type: 'string', default: '2' },
    checkpoint_every: { type: 'string', default: '25' },
    eval_every: { type: 'string', default: '100' },
    work_dir: { type: 'string', default: '/tmp/mmnet-builtin-extractor' },
    out: { type: 'string' },
    config: { type: 'string' },
  },
});

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const seed = Number(args.seed);
const trainImages = Number(args.train_images);
const valImages = Number(args.val_images);
const totalSteps = Number(args.steps);
const batchSize = Number(args.batch);
const baseLr = Number(args.lr);
const objectCellWeight = Number(args.object_cell_weight);
const checkpointEvery = Number(args.checkpoint_every);
const evalEvery = Number(args.eval_every);
const workDir = resolve(args.work_dir as string);
const outPath = resolve(args.out ?? join(packageDir, 'weights', 'builtin-extractor.safetensors'));
for (const [name, v] of Object.entries({ seed, trainImages, valImages, totalSteps, batchSize, baseLr })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a valid number`);
}

function parseConfig(text: string | undefined) {
  let json: unknown = {};
  if (text !== undefined) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`--config: not JSON (${(e as Error).message})`);
    }
  }
  return parseWithSchema(builtinCnnConfigSchema, json, '--config');
}

const config = parseConfig(args.config);
const grid = builtinCnnGrid(config);
const input = { height: config.inputHeight, width: config.inputWidth };
const CHUNK = 100;
const startTime = Date.now();
const log = (event: Record<string, unknown>) =>
  console.log(JSON.stringify({ t: Math.round((Date.now() - startTime) / 1000), ...event }));

/** Training scenes use dataset seed `seed`, held-out ones `seed + 1` (different scenes). */
function splitSeed(split: 'train' | 'val'): number {
  return split === 'train' ? seed : seed + 1;
}

/** Renders (or reads from the cache) samples [start, start + count) of a split. */
function loadChunk(split: 'train' | 'val', chunk: number, count: number): PretextSample[] {
  const file = join(
    workDir,
    `${split}-seed${splitSeed(split)}-${input.height}x${input.width}-${grid.height}x${grid.width}-chunk${String(chunk).padStart(4, '0')}.safetensors`,
  );
  const perPixels = input.height * input.width * 3;
  const perTargets = grid.height * grid.width * 4;
  if (existsSync(file)) {
    const st = decodeSafetensors(readFileSync(file), file);
    const px = st.tensors.pixels?.data;
    const tg = st.tensors.targets?.data;
    if (px instanceof Uint8Array && tg instanceof Int32Array && px.length === count * perPixels) {
      return Array.from({ length: count }, (_, i) => ({
        pixels: px.slice(i * perPixels, (i + 1) * perPixels),
        targets: tg.slice(i * perTargets, (i + 1) * perTargets),
        objects: 0,
      }));
    }
  }
  const samples: PretextSample[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(
      renderPretextSample({
        seed: splitSeed(split),
        index: chunk * CHUNK + i,
        inputHeight: input.height,
        inputWidth: input.width,
        gridHeight: grid.height,
        gridWidth: grid.width,
      }),
    );
  }
  const pixels = new Uint8Array(count * perPixels);
  const targets = new Int32Array(count * perTargets);
  samples.forEach((s, i) => {
    pixels.set(s.pixels, i * perPixels);
    targets.set(s.targets, i * perTargets);
  });
  saveCheckpoint(file, {
    pixels: { shape: [count, input.height, input.width, 3], data: pixels },
    targets: { shape: [count, grid.height * grid.width, 4], data: targets },
  });
  return samples;
}

function loadSplit(split: 'train' | 'val', n: number): PretextSample[] {
  const out: PretextSample[] = [];
  const t0 = Date.now();
  for (let chunk = 0; chunk * CHUNK < n; chunk++) {
    out.push(...loadChunk(split, chunk, Math.min(CHUNK, n - chunk * CHUNK)));
    log({
      phase: `render ${split}`,
      done: out.length,
      total: n,
      seconds: Math.round((Date.now() - t0) / 1000),
    });
  }
  return out;
}

/** Sample order of an epoch: a seeded permutation. */
function epochOrder(epoch: number, n: number): Int32Array {
  const rng = createRng(seed * 7919 + epoch + 1);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Learning rate: constant, then cosine decay to 10% over the last 40% of the steps. */
function learningRate(step: number): number {
  const decayStart = Math.floor(totalSteps * 0.6);
  if (step < decayStart) return baseLr;
  const p = (step - decayStart) / Math.max(1, totalSteps - decayStart);
  return baseLr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p)));
}

function evaluate(
  net: BuiltinCnn,
  samples: PretextSample[],
): { accuracy: Record<string, number>; embeddingRms: Float32Array } {
  const acc = new PretextAccuracy();
  const e = config.embeddingChannels;
  const sumSq = new Float64Array(e);
  let cells = 0;
  for (let start = 0; start < samples.length; start += 25) {
    const part = samples.slice(start, start + 25);
    const batch = assemblePretextBatch(part, input, grid);
    const [logits, embedding] = tf.tidy(() => {
      const out = net.apply(tf.tensor4d(batch.pixels, [batch.size, input.height, input.width, 3]));
      return [out.logits, out.embedding];
    });
    acc.add(predictedClasses(logits as tf.Tensor4D), batch.targets);
    const emb = embedding.dataSync();
    for (let i = 0; i < emb.length; i++) sumSq[i % e] += emb[i] * emb[i];
    cells += emb.length / e;
    logits.dispose();
    embedding.dispose();
  }
  const embeddingRms = Float32Array.from(sumSq, (s) => Math.max(Math.sqrt(s / cells), 1e-3));
  return { accuracy: acc.summary(), embeddingRms };
}

async function main() {
  mkdirSync(workDir, { recursive: true });
  const backend = await initBackend({ log: null });
  log({
    phase: 'start',
    backend: backend.name,
    config,
    seed,
    trainImages,
    valImages,
    totalSteps,
    batchSize,
    workDir,
  });
  const val = loadSplit('val', valImages);
  const train = loadSplit('train', trainImages);

  const store = new ParameterStore(createRng(seed));
  const net = new BuiltinCnn(store.scope('cnn'), config);
  const optimizer = tf.train.adam(baseLr);
  // tfjs reads the rate on every update; the schedule sets it before each step.
  const adamRate = optimizer as unknown as { learningRate: number };
  // One checkpoint per run (CNN shape and recipe), so runs of other shapes or recipes can share the work
  // folder's rendered samples; only the same flags continue a run.
  const run = JSON.stringify({ config, trainImages, totalSteps, batchSize, baseLr, objectCellWeight });
  const runKey = createHash('sha256').update(run).digest('hex').slice(0, 8);
  const checkpointFile = join(workDir, `checkpoint-seed${seed}-${runKey}.safetensors`);
  let step = 0;
  if (existsSync(checkpointFile)) {
    const ckpt = loadCheckpoint(checkpointFile);
    loadParametersInto(store, ckpt, checkpointFile, { expectConfig: config });
    step = Number(ckpt.metadata.step);
    const optimizerNames = ckpt.metadata.optimizerNames as string[];
    const saved = optimizerNames.map((name, i) => {
      const t = ckpt.tensors[`optimizer/${i}`];
      return { name, tensor: tf.tensor(t.data, t.shape) };
    });
    await optimizer.setWeights(saved); // copies them into the optimiser's own variables
    for (const w of saved) w.tensor.dispose();
    log({ phase: 'resume', step });
  }

  const saveTrainingCheckpoint = async () => {
    const weights = await optimizer.getWeights();
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = { ...store.snapshot() };
    weights.forEach((w, i) => {
      tensors[`optimizer/${i}`] = { shape: [...w.tensor.shape], data: w.tensor.dataSync() as Float32Array };
    });
    saveCheckpoint(checkpointFile, tensors, { config, step, optimizerNames: weights.map((w) => w.name) });
    // The iteration count comes as a fresh scalar; the moments are the optimiser's own variables.
    for (const w of weights) if (w.name === 'iter') w.tensor.dispose();
  };

  const writeWeights = (accuracy: Record<string, number>, embeddingRms: Float32Array, complete: boolean) => {
    saveCheckpoint(outPath, store.snapshot(), {
      format: BUILTIN_WEIGHTS_FORMAT,
      config,
      embeddingScale: Array.from(embeddingRms, (v) => Number(v.toPrecision(6))),
      trainingSeed: seed,
      pretextAccuracy: accuracy,
      training: {
        script: 'scripts/train-extractor.ts',
        steps: step,
        plannedSteps: totalSteps,
        complete,
        batchSize,
        learningRate: baseLr,
        objectCellWeight,
        trainImages,
        valImages,
        trainSceneSeed: splitSeed('train'),
        valSceneSeed: splitSeed('val'),
        renderSize: '480x320',
      },
    });
    log({ phase: 'weights', path: outPath, step, complete, parameters: store.countWeights() });
  };

  const perEpoch = Math.floor(train.length / batchSize);
  let lossSum = 0;
  let lossCount = 0;
  let stepTime = Date.now();
  while (step < totalSteps) {
    const epoch = Math.floor(step / perEpoch);
    const order = epochOrder(epoch, train.length);
    const offset = (step % perEpoch) * batchSize;
    const indices = Array.from(order.subarray(offset, offset + batchSize));
    const flipRng = createRng(seed * 104729 + step);
    const batch = assemblePretextBatch(
      indices.map((i) => train[i]),
      input,
      grid,
      indices.map(() => flipRng.next() < 0.5),
    );
    adamRate.learningRate = learningRate(step);
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(batch.pixels, [batch.size, input.height, input.width, 3]);
      const t = tf.tensor1d(batch.targets, 'int32');
      return optimizer.minimize(
        () => pretextLoss(net.apply(x).logits, t, objectCellWeight),
        true,
      ) as tf.Scalar;
    });
    lossSum += loss.dataSync()[0];
    lossCount++;
    loss.dispose();
    step++;
    if (step % 10 === 0) {
      log({
        phase: 'train',
        step,
        epoch,
        loss: Number((lossSum / lossCount).toFixed(4)),
        lr: Number(adamRate.learningRate.toPrecision(3)),
        msPerStep: Math.round((Date.now() - stepTime) / lossCount),
        tensors: tf.memory().numTensors,
      });
      lossSum = 0;
      lossCount = 0;
      stepTime = Date.now();
    }
    if (step % checkpointEvery === 0 || step === totalSteps) await saveTrainingCheckpoint();
    if (step % evalEvery === 0 || step === totalSteps) {
      const { accuracy, embeddingRms } = evaluate(net, val);
      log({ phase: 'eval', step, accuracy });
      writeWeights(accuracy, embeddingRms, step === totalSteps);
      stepTime = Date.now();
    }
  }
  if (step === totalSteps && !existsSync(outPath)) {
    const { accuracy, embeddingRms } = evaluate(net, val);
    writeWeights(accuracy, embeddingRms, true);
  }
  log({ phase: 'done', step });
}

await main();
