import { createRng, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  answerRewards,
  createProgramGenerator,
  type DecoderMode,
  decodeAddresses,
  MovingAverageBaseline,
  programRowTokens,
  ReinforceConfigSchema,
  reinforceLoss,
} from '../src/index.js';
import { useBackend } from './helpers.js';
import { batchTensors, syntheticBatch, syntheticVocab } from './synthetic-questions.js';

const vocab = syntheticVocab();
const small = {
  encoderWordvecDim: 8,
  decoderWordvecDim: 6,
  hiddenDim: 12,
  numLayers: 1,
  cell: 'gru' as const,
};

describe('learning decoders (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const { generator, store } = createProgramGenerator(small, vocab, { seed: 7 });
  const data = syntheticBatch(vocab, 5, 3);
  const { questions } = batchTensors(data);
  const V = generator.programs.size;

  /** Gradient norm of a loss built on the addresses, with respect to the generator's parameters. */
  function addressGradientNorm(
    mode: DecoderMode,
    options: { greedy?: boolean } = {},
  ): {
    norm: number;
    addresses: number[][][];
    decoded: ReturnType<typeof decodeAddresses>;
  } {
    let decoded!: ReturnType<typeof decodeAddresses>;
    let addresses: number[][][] = [];
    const weights = tf.randomNormal([1, 1, V], 0, 1, 'float32', 5);
    const { grads } = tf.variableGrads(() => {
      decoded = decodeAddresses(generator, questions, {
        mode,
        maxLength: 6,
        rng: createRng(9),
        gumbelTemperature: 0.7,
        ...options,
      });
      addresses = decoded.addresses.arraySync();
      // The zero-weighted log-probability term only connects the loss to the parameters in every mode.
      const anchor = tf.mul(0, tf.sum(decoded.logProbs));
      return tf.add(tf.sum(tf.mul(decoded.addresses, weights)), anchor) as tf.Scalar;
    }, store.variables());
    const norm = Math.sqrt(
      Object.values(grads).reduce((acc, g) => acc + tf.sum(tf.square(g)).dataSync()[0], 0),
    );
    return { norm, addresses, decoded };
  }

  it('soft: addresses are the softmax, and the gradient reaches the generator', () => {
    const { norm, addresses, decoded } = addressGradientNorm('soft');
    expect(norm).toBeGreaterThan(1e-4);
    for (const row of addresses.flat()) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // The chosen token (whose arity the executor follows) is the most likely one.
    const tokens = decoded.tokens;
    addresses.forEach((sample, b) =>
      sample.forEach((row, t) => expect(row.indexOf(Math.max(...row))).toBe(tokens[b * decoded.steps + t])),
    );
  });

  it('gumbel: addresses are one-hot in value, and the gradient reaches the generator', () => {
    const { norm, addresses, decoded } = addressGradientNorm('gumbel');
    expect(norm).toBeGreaterThan(1e-4);
    addresses.forEach((sample, b) =>
      sample.forEach((row, t) => {
        expect(row.filter((v) => v === 1).length).toBe(1);
        expect(row.indexOf(1)).toBe(decoded.tokens[b * decoded.steps + t]);
      }),
    );
  });

  it('hard: no gradient through the addresses; REINFORCE gives one', () => {
    const { norm } = addressGradientNorm('hard');
    expect(norm).toBe(0);
    const { grads } = tf.variableGrads(() => {
      const d = decodeAddresses(generator, questions, { mode: 'hard', maxLength: 6, rng: createRng(2) });
      return reinforceLoss(d.logProbs, d.entropy, d.decodedMask, [1, -1, 0.5, 0.2, -0.3], 0.01);
    }, store.variables());
    const n = Object.values(grads).reduce((acc, g) => acc + tf.sum(tf.square(g)).dataSync()[0], 0);
    expect(n).toBeGreaterThan(1e-8);
  });

  it('greedy (gumbel and hard): the most likely token at every step, one-hot addresses, no rng needed', () => {
    tf.tidy(() => {
      const soft = decodeAddresses(generator, questions, { mode: 'soft', maxLength: 6 });
      for (const mode of ['gumbel', 'hard', 'hard+penalty'] as const) {
        const d = decodeAddresses(generator, questions, { mode, maxLength: 6, greedy: true });
        // Soft mode's tokens are the argmax of the same logits.
        expect(Array.from(d.tokens)).toEqual(Array.from(soft.tokens));
        const addresses = d.addresses.arraySync();
        addresses.forEach((row, b) =>
          row.forEach((address, t) => {
            expect(address.filter((a) => a === 1)).toHaveLength(1);
            expect(address.filter((a) => a === 0)).toHaveLength(address.length - 1);
            expect(address.indexOf(1)).toBe(d.tokens[b * d.steps + t]);
          }),
        );
        expect(d.logProbs.arraySync()).toEqual(soft.logProbs.arraySync());
      }
      // Sampling differs from the argmax somewhere (untrained generator: flat distributions).
      const sampled = decodeAddresses(generator, questions, {
        mode: 'hard',
        maxLength: 6,
        rng: createRng(9),
      });
      expect(Array.from(sampled.tokens)).not.toEqual(Array.from(soft.tokens));
    });
    for (const mode of ['gumbel', 'hard'] as const)
      expect(addressGradientNorm(mode, { greedy: true }).norm).toBe(0);
  });

  it('maps every executed program token to its decoding step', () => {
    for (const mode of ['soft', 'gumbel', 'hard'] as const) {
      tf.tidy(() => {
        const d = decodeAddresses(generator, questions, { mode, maxLength: 4, rng: createRng(4) });
        expect(d.steps).toBeLessThanOrEqual(4);
        const mask = d.decodedMask.arraySync();
        d.programs.forEach((p, b) => {
          p.tokens.forEach((tok, k) => {
            const s = p.steps[k];
            if (s < 0) expect(tok).toBe(generator.programs.sceneId);
            else {
              expect(d.tokens[b * d.steps + s]).toBe(tok);
              expect(mask[b][s]).toBe(1);
            }
          });
        });
        const total = d.statusCounts.valid + d.statusCounts.padded + d.statusCounts.truncated;
        expect(total).toBe(5);
      });
    }
    expect(() => decodeAddresses(generator, questions, { mode: 'hard', maxLength: 4 })).toThrow(/rng/);
  });

  it('rewards follow the mode and the invalid-program rule; the baseline is a moving average', () => {
    const config = ReinforceConfigSchema.parse({ penaltyWeight: 0.5, invalidProgramReward: -1 });
    const answers = {
      correct: [true, false, true],
      crossEntropy: [0.2, 2, 0.4],
      statuses: ['valid', 'valid', 'padded'] as const,
    };
    expect(
      Array.from(answerRewards('hard', { ...answers, statuses: [...answers.statuses] }, config)),
    ).toEqual([1, 0, -1]);
    const penalised = answerRewards('hard+penalty', { ...answers, statuses: [...answers.statuses] }, config);
    expect(penalised[0]).toBeCloseTo(0.9, 6);
    expect(penalised[1]).toBeCloseTo(-1, 6);
    const baseline = new MovingAverageBaseline(0.5);
    expect(baseline.update([1, 3])).toBe(2);
    expect(baseline.update([4, 4])).toBe(2);
    expect(baseline.value).toBe(3);
  });
});

describe('REINFORCE (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('raises the mean reward when the right program is known', () => {
    const { generator, store } = createProgramGenerator({ ...small, hiddenDim: 32 }, vocab, { seed: 2 });
    const data = syntheticBatch(vocab, 64, 21);
    const { questions } = batchTensors(data);
    const truth = Array.from({ length: data.count }, (_, b) =>
      programRowTokens(data.programs.subarray(b * data.programLength, (b + 1) * data.programLength)),
    );
    const rng = createRng(3);
    const baseline = new MovingAverageBaseline(0.8);
    const optimizer = tf.train.adam(1e-2);
    const rewardsPerStep: number[] = [];
    const before = tf.memory().numTensors;
    let afterFirst = before;
    for (let step = 0; step < 60; step++) {
      tf.tidy(() => {
        optimizer.minimize(
          () => {
            const d = decodeAddresses(generator, questions, { mode: 'hard', maxLength: 8, rng });
            // Reward: the fraction of the right program's tokens decoded at the right place.
            const rewards = d.programs.map(
              (p, b) => truth[b].filter((t, k) => p.tokens[k] === t).length / truth[b].length,
            );
            rewardsPerStep.push(rewards.reduce((a, r) => a + r, 0) / rewards.length);
            const b = baseline.update(rewards);
            return reinforceLoss(
              d.logProbs,
              d.entropy,
              d.decodedMask,
              rewards.map((r) => r - b),
              0.01,
            );
          },
          false,
          store.variables(),
        );
      });
      if (step === 0) afterFirst = tf.memory().numTensors; // Adam's slots exist from here on
    }
    expect(afterFirst).toBeGreaterThan(before);
    expect(tf.memory().numTensors).toBe(afterFirst);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(rewardsPerStep.slice(0, 10));
    const late = mean(rewardsPerStep.slice(-10));
    expect(late).toBeGreaterThan(early + 0.1);
    expect(late).toBeGreaterThan(2 * early);
  });
});
