import { createRng, initBackend, ParameterStore, tf, zeros } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { GroupOptimizer } from '../src/training/group-optimizer.js';
import { learningRateFactor, scheduleProgress } from '../src/training/lr-schedule.js';

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

describe('scheduleProgress', () => {
  it('is the share of the iterations, or of the minutes when a time budget ends the run first', () => {
    expect(
      scheduleProgress({ step: 25, totalIterations: 100, minutesBefore: 0, minutesThisProcess: 5 }),
    ).toBe(0.25);
    const timed = { step: 10, totalIterations: 100, minutesBefore: 0, maxMinutes: 60 };
    expect(scheduleProgress({ ...timed, minutesThisProcess: 30 })).toBeCloseTo(0.5, 10);
    expect(scheduleProgress({ ...timed, step: 80, minutesThisProcess: 30 })).toBeCloseTo(0.8, 10);
  });

  it('counts the minutes trained before a resume: a run stopped at 40 of 60 minutes goes on from 2/3', () => {
    // Resumed with the 20 minutes left: it starts where it stopped and ends at 1 with the budget.
    const resumed = { step: 10, totalIterations: 10_000, minutesBefore: 40, maxMinutes: 20 };
    expect(scheduleProgress({ ...resumed, minutesThisProcess: 0 })).toBeCloseTo(2 / 3, 10);
    expect(scheduleProgress({ ...resumed, minutesThisProcess: 10 })).toBeCloseTo(5 / 6, 10);
    expect(scheduleProgress({ ...resumed, minutesThisProcess: 20 })).toBeCloseTo(1, 10);
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
