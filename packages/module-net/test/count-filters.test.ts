import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { answerFamily, answerModule, createModuleNetwork } from '../src/index.js';
import { callOf, heldOutErrorAfterTraining, useBackend } from './helpers.js';

const SIDE = 8;
const ROWS = 32;
const DIM = 4;

/**
 * Selections of 1-4 square objects of side 1 or 2 cells, apart from each other, on an 8x8 grid: masked maps whose
 * channels are [1, 0, 0, 1] on the objects' cells (the last one the attention) and 0 elsewhere, and the counts.
 */
function selections(seed: number) {
  const rng = createRng(seed);
  const maps = new Float32Array(ROWS * SIDE * SIDE * DIM);
  const counts: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    const taken = new Set<number>();
    const wanted = 1 + rng.int(4);
    let placed = 0;
    for (let attempt = 0; attempt < 200 && placed < wanted; attempt++) {
      const side = 1 + rng.int(2);
      const x0 = rng.int(SIDE - side + 1);
      const y0 = rng.int(SIDE - side + 1);
      const cells: number[] = [];
      // The object's cells and a one-cell margin must be free, so that objects never touch.
      let free = true;
      for (let y = y0 - 1; y <= y0 + side; y++)
        for (let x = x0 - 1; x <= x0 + side; x++) if (taken.has(y * SIDE + x)) free = false;
      if (!free) continue;
      for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) cells.push(y * SIDE + x);
      for (const c of cells) {
        taken.add(c);
        maps[(r * SIDE * SIDE + c) * DIM] = 1;
        maps[(r * SIDE * SIDE + c) * DIM + DIM - 1] = 1;
      }
      placed++;
    }
    counts.push(placed);
  }
  return { maps: tf.tensor4d(maps, [ROWS, SIDE, SIDE, DIM]), counts: tf.tensor2d(counts, [ROWS, 1]) };
}

/** Trains a `count` answer module and a linear read-out of its code; the mean squared count error on other maps. */
function trainCount(countFilters: number, steps: number): number {
  const store = new ParameterStore(createRng(4));
  const count = answerModule('count', 1, { countFilters }).create(store.scope('count'), {
    dim: DIM,
    height: SIDE,
    width: SIDE,
  });
  const readout = store
    .scope('readout')
    .create('weight', [DIM - 1, 1], () => new Float32Array(DIM - 1).fill(0.1));
  const error = ({ maps, counts }: ReturnType<typeof selections>) => {
    const code = count([maps], callOf(maps, new Array(ROWS).fill(0))) as tf.Tensor4D;
    const atCell = tf.reshape(tf.slice(code, [0, 0, 0, 0], [ROWS, 1, 1, DIM - 1]), [ROWS, DIM - 1]);
    return tf.losses.meanSquaredError(counts, tf.matMul(atCell, readout)) as tf.Scalar;
  };
  return heldOutErrorAfterTraining(store, [1, 2, 3, 4, 5].map(selections), error, steps, 2e-2);
}

describe('answer modules with count filters', () => {
  it('pool blob features of the selection only for one input, with a shared 3x3 kernel', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(1));
    const family = answerFamily('answer_unary', 1, ['count', 'exist'], { countFilters: 3 });
    const apply = family.create(store.scope('u'), { dim: DIM, height: SIDE, width: SIDE }, family.members);
    expect(store.get('u.count.kernel').shape).toEqual([3, 3, 1, 3]);
    expect(store.get('u.combine.weight').shape).toEqual([2, 2 * DIM + 3, DIM]);
    const { maps } = selections(1);
    const out = apply([maps], {
      ...callOf(maps, new Array(ROWS).fill(0)),
      memberIndices: [...Array(ROWS).keys()].map((i) => i % 2),
    });
    expect(out.shape).toEqual([ROWS, SIDE, SIDE, DIM]);
    // Two inputs (answer codes): no blob features.
    const binary = answerFamily('answer_binary', 2, ['equal_integer'], { countFilters: 3 });
    binary.create(store.scope('b'), { dim: DIM, height: SIDE, width: SIDE }, binary.members);
    expect(store.names().some((n) => n.startsWith('b.count'))).toBe(false);
    expect(() => answerFamily('x', 1, ['count'], { countFilters: 1.5 })).toThrow(
      /countFilters must be a whole/,
    );
    tf.dispose([maps, out]);
    store.dispose();
  });

  it('count objects of different sizes that the selected area alone cannot', async () => {
    await useBackend('wasm');
    const withBlobs = trainCount(4, 300);
    const areaOnly = trainCount(0, 300);
    // Seeded; measured 0.048 against 0.383 (counts 1-4 of 1- and 2-cell objects).
    expect(withBlobs).toBeLessThan(0.4 * areaOnly);
    expect(withBlobs).toBeLessThan(0.15);
  });

  it('a module network passes countFilters to its answer modules', async () => {
    await useBackend('wasm');
    const { store } = createModuleNetwork(
      { inChannels: 3, stemDim: 5, height: 2, width: 2, modules: 'attention', countFilters: 2 },
      { program_token_to_idx: { scene: 0, count: 1 }, answer_token_to_idx: { a: 0 } },
    );
    expect(store.get('modules.answer_unary.count.kernel').shape).toEqual([3, 3, 1, 2]);
    store.dispose();
  });
});
