import { createRng, initBackend, ParameterStore, tf, zeros } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { GroupOptimizer } from '../src/training/group-optimizer.js';
import { learningRateFactor } from '../src/training/lr-schedule.js';

describe('learningRateFactor', () => {
  const cosine = { schedule: 'cosine', warmup: 4, finalFactor: 0.1 } as const;

  it('warms up linearly over the first iterations, whatever the progress', () => {
    expect([0, 1, 2, 3].map((s) => learningRateFactor(cosine, s, 0.9))).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('decays from 1 to the final factor: cosine (half-way at the middle) and linear', () => {
    expect(learningRateFactor(cosine, 10, 0)).toBeCloseTo(1, 10);
    expect(learningRateFactor(cosine, 10, 0.5)).toBeCloseTo(0.55, 10);
    expect(learningRateFactor(cosine, 10, 1)).toBeCloseTo(0.1, 10);
    expect(learningRateFactor(cosine, 10, 1.7)).toBeCloseTo(0.1, 10);
    const linear = { schedule: 'linear', warmup: 0, finalFactor: 0 } as const;
    expect(learningRateFactor(linear, 0, 0.25)).toBeCloseTo(0.75, 10);
  });

  it('stays at 1 when constant', () => {
    expect(learningRateFactor({ schedule: 'constant', warmup: 0, finalFactor: 0.1 }, 50, 0.99)).toBe(1);
  });
});

describe('GroupOptimizer.setLearningRate', () => {
  it('changes the step of the next Adam updates (0 freezes, a larger rate moves further)', async () => {
    await initBackend({ prefer: 'cpu', env: {}, log: null });
    const store = new ParameterStore(createRng(1));
    const w = store.scope('layer').create('weight', [2], zeros);
    const optimizer = new GroupOptimizer('executor', store, ['layer'], 0.1);
    const step = () => {
      const grad = tf.tensor1d([1, -1]);
      optimizer.apply({ [w.name]: grad });
      grad.dispose();
      return Array.from(w.dataSync());
    };
    optimizer.setLearningRate(0);
    expect(step()).toEqual([0, 0]);
    optimizer.setLearningRate(0.5);
    const moved = step();
    expect(moved[0]).toBeCloseTo(-0.5, 4);
    expect(moved[1]).toBeCloseTo(0.5, 4);
    expect(optimizer.learningRate).toBe(0.1);
    optimizer.dispose();
    store.dispose();
  });
});
