import { createRng, LeanAdam, tf } from '@mmnet/core-tensors';
import { fillMissingGradients } from '@mmnet/module-net';
import {
  type DecoderMode,
  LearningDecoderConfigSchema,
  MovingAverageBaseline,
} from '@mmnet/program-decoders';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientNorm } from '../../../test-support/gradients';
import {
  createEndToEndNetwork,
  type EndToEndPassPosition,
  endToEndPass,
  endToEndPassSettings,
  executeWithTokenWeights,
} from '../src/index.js';
import { endToEndConfig, endToEndVocab, randomFeatures, randomQuestions } from './fixtures.js';
import { residualMemory, useBackend } from './helpers.js';

const config = (mode: DecoderMode) => endToEndConfig(mode);
const questions = randomQuestions;
const vocab = endToEndVocab;

function generatorGradientNorm(mode: DecoderMode): number {
  const { model, store } = createEndToEndNetwork(config(mode), vocab);
  const q = questions(4, 1);
  const features = randomFeatures(4, 2);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
  const { grads } = tf.variableGrads(() => {
    const out = model.forward(features, q, { rng: createRng(5), gumbelTemperature: 0.8 });
    const answerLoss = tf.losses.softmaxCrossEntropy(labels, out.logits);
    // Zero-weighted anchor: connects the loss to the generator in every mode without adding gradient.
    return tf.add(answerLoss, tf.mul(0, tf.sum(out.decoded.logProbs))) as tf.Scalar;
  }, model.parameterGroups(store).programGenerator);
  return gradientNorm(grads);
}

describe('PG_endtoend (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the answer loss reaches the program generator in soft and gumbel modes, not in hard mode', () => {
    expect(generatorGradientNorm('soft')).toBeGreaterThan(1e-6);
    expect(generatorGradientNorm('gumbel')).toBeGreaterThan(1e-6);
    expect(generatorGradientNorm('hard')).toBe(0);
    expect(generatorGradientNorm('hard+penalty')).toBe(0);
  });

  it('returns the memory addresses of every step and executes the decoded trees', () => {
    const { model } = createEndToEndNetwork(config('soft'), vocab);
    const bank = residualMemory(model.memory).bankOf(1);
    const rowsPerBank = bank.rows;
    expect(bank.memory.shape).toEqual([rowsPerBank, 4 * 9 * 3 * 3]);
    tf.tidy(() => {
      const out = model.forward(randomFeatures(3, 4), questions(3, 6), { capture: true });
      expect(out.logits.shape).toEqual([3, 4]);
      expect(out.memoryAddresses.shape).toEqual([3, out.decoded.steps, rowsPerBank]);
      for (const row of (out.memoryAddresses.arraySync() as number[][][]).flat()) {
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      }
      // Every executed node is a captured node with its real token.
      out.captures!.forEach((list, b) => {
        const tokens = out.decoded.programs[b].tokens.map((id) => model.generator.programs.token(id));
        expect(list.map((c) => c.token).sort()).toEqual([...tokens].sort());
      });
    });
  });

  it('refuses a soft batch whose per-node weights exceed the budget, naming the fields to reduce', () => {
    const { model } = createEndToEndNetwork({ ...config('soft'), nodeWeightBudgetMB: 0.01 }, vocab);
    const run = () =>
      tf.tidy(() => {
        model.forward(randomFeatures(3, 4), questions(3, 6), { maxLength: 6 });
      });
    expect(run).toThrow(/nodeWeightBudgetMB = 0\.01 MB.*executor\.stemDim/);
    expect(run).toThrow(/programGenerator\.maxProgramLength/);
    // Hard modes read one row per token, not per node: no budget applies.
    const { model: hard } = createEndToEndNetwork({ ...config('hard'), nodeWeightBudgetMB: 0.01 }, vocab);
    tf.tidy(() => {
      hard.forward(randomFeatures(3, 4), questions(3, 6), { maxLength: 6, rng: createRng(2) });
    });
  });

  it('gumbel one-hot mixtures per node equal grouped execution with each token row', () => {
    const { model } = createEndToEndNetwork(config('gumbel'), vocab);
    tf.tidy(() => {
      const features = randomFeatures(3, 8);
      const out = model.forward(features, questions(3, 9), { rng: createRng(1), gumbelTemperature: 0.5 });
      const used = [
        ...new Set(
          out.trees.flatMap(function tokens(n): string[] {
            return [n.token, ...n.inputs.flatMap(tokens)];
          }),
        ),
      ].filter((t) => t !== 'scene');
      expect(used.length).toBeGreaterThan(0);
      const bank = residualMemory(model.memory).bankOf(2);
      const rows = new Map(used.map((t) => [t, bank.read(bank.oneHot([bank.rowOf(t)]))]));
      const arity = (t: string) =>
        (t === 'scene' ? 0 : ['greater_than', 'intersect'].includes(t) ? 2 : 1) as 0 | 1 | 2;
      const grouped = executeWithTokenWeights(out.trees, model.stem.apply(features), 3, arity, rows);
      const expected = model.classifier.apply(grouped.outputs as tf.Tensor4D).dataSync();
      const got = out.logits.dataSync();
      expected.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    });
  });
});

describe('PG_endtoend training (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const MODES = ['soft', 'gumbel', 'hard', 'hard+penalty'] as const;
  it.each([
    ...MODES.map((mode) => [mode, 'residual'] as const),
    ...MODES.map((mode) => [mode, 'attention'] as const),
  ])('%s, %s memory: trains with a stable tensor count and the curriculum', (mode, modules) => {
    const executor = modules === 'attention' ? { stemDim: 5, modules, stemKernelSize: 1 } : {};
    const { model, store } = createEndToEndNetwork(endToEndConfig(mode, executor), vocab);
    const adam = new LeanAdam({ learningRate: 1e-2 });
    const baseline = new MovingAverageBaseline(model.config.decoder.reinforce.baselineMomentum);
    const rng = createRng(0);
    const features = randomFeatures(4, 3);
    const q = questions(4, 4);
    const answers = Int32Array.from([0, 1, 2, 3]);
    const variables = store.variables();
    const trainStep = (step: number) => {
      let pass!: ReturnType<typeof endToEndPass>;
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          pass = endToEndPass(model, features, q, answers, {
            step,
            training: true,
            trainMode: 'PG+EE',
            useCurriculum: true,
            rng,
            baseline,
          });
          return pass.objective.loss;
        }, variables);
        // Every variable steps, as in the trainer's group optimiser (zeros for the ones this pass did not use).
        adam.applyGradients(
          Object.fromEntries(fillMissingGradients(grads, variables).map((g) => [g.name, g.tensor])),
        );
      });
      return pass;
    };
    const first = trainStep(0);
    const before = tf.memory().numTensors;
    const lengths = [first.settings.maxLength];
    for (let step = 1; step < 6; step++) lengths.push(trainStep(step).settings.maxLength);
    expect(tf.memory().numTensors).toBe(before);
    expect(lengths).toEqual([2, 2, 4, 4, 6, 6]);
    if (mode === 'hard' || mode === 'hard+penalty') expect(first.objective.meanReward).not.toBeNull();
    if (mode === 'gumbel') expect(first.settings.gumbelTemperature).toBe(1);
    const counts = first.out.decoded.statusCounts;
    expect(counts.valid + counts.padded + counts.truncated).toBe(4);
    adam.dispose();
  });

  it.each(['residual', 'attention'] as const)(
    'greedy (%s memory): gumbel and hard execute the most likely programs, whatever the rng',
    (modules) => {
      const executor = modules === 'attention' ? { stemDim: 5, modules, stemKernelSize: 1 } : {};
      tf.tidy(() => {
        const features = randomFeatures(4, 3);
        const q = questions(4, 4);
        const run = (mode: DecoderMode, options: { greedy?: boolean; seed?: number }) => {
          const { model } = createEndToEndNetwork(endToEndConfig(mode, executor), vocab);
          const out = model.forward(features, q, {
            rng: createRng(options.seed ?? 0),
            greedy: options.greedy,
            gumbelTemperature: 0.8,
          });
          return { tokens: out.trees.map((t) => JSON.stringify(t)), logits: out.logits.arraySync() };
        };
        // Soft mode decodes the argmax tokens (same initial weights: the seed is the config's).
        const soft = run('soft', {});
        const hard = run('hard', { greedy: true, seed: 1 });
        expect(hard.tokens).toEqual(soft.tokens);
        expect(run('hard', { greedy: true, seed: 2 }).logits).toEqual(hard.logits);
        expect(run('gumbel', { greedy: true, seed: 3 }).logits).toEqual(hard.logits);
        expect(run('hard', { seed: 1 }).tokens).not.toEqual(hard.tokens);
      });
    },
  );

  it('EE mode trains the executor on the greedy programs; PG+EE samples them', () => {
    const batch = {
      features: randomFeatures(4, 3),
      questions: questions(4, 4),
      answers: Int32Array.from([0, 1, 2, 3]),
    };
    const firstLoss = (trainMode: 'EE' | 'PG+EE', seed: number) => {
      const { model } = createEndToEndNetwork(config('hard'), vocab);
      let metrics!: { answerLoss: number; meanReward: number | null };
      tf.tidy(() => {
        const { objective } = endToEndPass(model, batch.features, batch.questions, batch.answers, {
          step: 0,
          training: true,
          trainMode,
          useCurriculum: false,
          rng: createRng(seed),
          baseline: new MovingAverageBaseline(0.9),
        });
        metrics = { answerLoss: objective.answerLoss.dataSync()[0], meanReward: objective.meanReward };
      });
      return metrics;
    };
    const ee = firstLoss('EE', 1);
    expect(firstLoss('EE', 2).answerLoss).toBe(ee.answerLoss);
    expect(ee.meanReward).toBeNull();
    expect(firstLoss('PG+EE', 1).answerLoss).not.toBe(firstLoss('PG+EE', 2).answerLoss);
  });

  it('one rule for the schedules: curriculum capped by the full length, greedy in evaluation and EE', () => {
    const decoder = LearningDecoderConfigSchema.parse({
      mode: 'hard',
      curriculum: { start: 2, increment: 2, every: 2, max: 10 },
    });
    const at = (over: Partial<EndToEndPassPosition>): EndToEndPassPosition => ({
      step: 4,
      training: true,
      trainMode: 'PG+EE',
      useCurriculum: true,
      ...over,
    });
    expect(endToEndPassSettings(decoder, at({}), 8).maxLength).toBe(6);
    expect(endToEndPassSettings(decoder, at({ step: 40 }), 8).maxLength).toBe(8);
    expect(endToEndPassSettings(decoder, at({ useCurriculum: false }), 8).maxLength).toBe(8);
    expect(endToEndPassSettings(decoder, at({}), 8)).toMatchObject({ greedy: false, generatorLearns: true });
    expect(endToEndPassSettings(decoder, at({ trainMode: 'EE' }), 8)).toMatchObject({
      greedy: true,
      generatorLearns: false,
    });
    expect(endToEndPassSettings(decoder, at({ training: false }), 8)).toMatchObject({
      greedy: true,
      generatorLearns: false,
    });
    expect(endToEndPassSettings(decoder, at({ greedyPrograms: true }), 8)).toMatchObject({
      greedy: true,
      generatorLearns: false,
    });
    expect(endToEndPassSettings(decoder, at({}), 8).gumbelTemperature).toBeUndefined();
  });
});
