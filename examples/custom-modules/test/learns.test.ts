import { createRng, initBackend } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { generateGridBatch, majorityBaseline } from '../src/grid-task.js';
import { trainGridModel } from '../src/train-grid.js';

describe('custom-modules example', () => {
  it('generates answers that follow the programs', () => {
    const batch = generateGridBatch(createRng(4), 50);
    batch.programs.forEach((p, i) => {
      expect(p[0]).toBe('count');
      const cells = Array.from({ length: 16 }, (_, c) =>
        batch.features.slice((i * 16 + c) * 4, (i * 16 + c + 1) * 4).indexOf(1),
      );
      if (p.length === 3) {
        const color = ['red', 'green', 'blue'].indexOf(p[1].slice(5, -1));
        expect(batch.answers[i]).toBe(Math.min(6, cells.filter((c) => c === color).length));
      }
    });
    expect(majorityBaseline([1, 1, 2, 3])).toBe(0.5);
  });

  it('learns its own DSL on wasm: held-out accuracy rises well above chance', async () => {
    await initBackend({ prefer: 'wasm', env: {}, log: null });
    const result = trainGridModel({
      steps: 220,
      batchSize: 64,
      evalSize: 300,
      evalEvery: 110,
      learningRate: 1e-2,
      seed: 0,
    });
    expect(result.finalAccuracy).toBeGreaterThan(result.chance + 0.2);
    expect(result.finalAccuracy).toBeGreaterThan(result.initialAccuracy + 0.2);
  });
});
