import { createRng, tf } from '@mmnet/core-tensors';
import { type DecoderMode, MovingAverageBaseline, ReinforceConfigSchema } from '@mmnet/program-decoders';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientNorm } from '../../../test-support/gradients';
import { createEndToEndNetwork, endToEndObjective } from '../src/index.js';
import { endToEndConfig, endToEndVocab, randomFeatures, randomQuestions } from './fixtures.js';
import { useBackend } from './helpers.js';

const reinforce = ReinforceConfigSchema.parse({});
const answers = Int32Array.from([0, 1, 2, 3]);

/** The objective of one forward pass of a fresh network, with the generator's gradient norm of its loss. */
function objectiveOf(mode: DecoderMode, generatorLearns: boolean, baseline = new MovingAverageBaseline(0.9)) {
  const { model, store } = createEndToEndNetwork(endToEndConfig(mode), endToEndVocab);
  const features = randomFeatures(4, 2);
  const questions = randomQuestions(4, 1);
  let result!: { loss: number; answerLoss: number; meanReward: number | null; baseline: number | null };
  const { grads } = tf.variableGrads(() => {
    const out = model.forward(features, questions, { mode, rng: createRng(3), gumbelTemperature: 1 });
    const objective = endToEndObjective(out, answers, { mode, reinforce, baseline, generatorLearns });
    result = {
      loss: objective.loss.dataSync()[0],
      answerLoss: objective.answerLoss.dataSync()[0],
      meanReward: objective.meanReward,
      baseline: objective.baseline,
    };
    // Zero-weighted anchor: every mode's loss reaches the generator's variables.
    return tf.add(objective.loss, tf.mul(0, tf.sum(out.decoded.logProbs))) as tf.Scalar;
  }, model.parameterGroups(store).programGenerator);
  return { ...result, generatorGradient: gradientNorm(grads) };
}

describe('endToEndObjective (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is the answer cross-entropy alone in soft mode, whose generator learns through the addresses', () => {
    const r = objectiveOf('soft', true);
    expect(r.loss).toBe(r.answerLoss);
    expect(r.meanReward).toBeNull();
    expect(r.generatorGradient).toBeGreaterThan(1e-6);
  });

  it('adds REINFORCE in the hard modes while the generator learns, against the baseline it updates', () => {
    for (const mode of ['hard', 'hard+penalty'] as const) {
      const baseline = new MovingAverageBaseline(0.9);
      const r = objectiveOf(mode, true, baseline);
      expect(r.meanReward).not.toBeNull();
      // The first batch is its own baseline; the moving average now holds its mean reward.
      expect(r.baseline).toBeCloseTo(r.meanReward!, 6);
      expect(baseline.value).toBeCloseTo(r.meanReward!, 6);
      expect(r.loss).not.toBe(r.answerLoss);
      expect(r.generatorGradient).toBeGreaterThan(1e-6);
    }
  });

  it('leaves the hard generator and its baseline alone when the generator does not learn (EE, evaluation)', () => {
    const baseline = new MovingAverageBaseline(0.9);
    baseline.setValue(0.25);
    const r = objectiveOf('hard', false, baseline);
    expect(r.loss).toBe(r.answerLoss);
    expect(r.meanReward).toBeNull();
    expect(baseline.value).toBe(0.25);
    expect(r.generatorGradient).toBe(0);
  });

  it('names the mismatch when the answers do not match the batch', () => {
    const { model } = createEndToEndNetwork(endToEndConfig('soft'), endToEndVocab);
    tf.tidy(() => {
      const out = model.forward(randomFeatures(4, 2), randomQuestions(4, 1));
      expect(() =>
        endToEndObjective(out, Int32Array.from([0, 1]), {
          mode: 'soft',
          reinforce,
          baseline: new MovingAverageBaseline(0.9),
          generatorLearns: true,
        }),
      ).toThrow(/2 answers for a batch of 4 questions/);
    });
  });
});
