import { type BackendName, initBackend, type ParameterStore, tf } from '@mmnet/core-tensors';
import { tokenMapOf } from '@mmnet/programs';
import { expect } from 'vitest';
import { createModuleNetwork, fillMissingGradients, type ModuleCall } from '../src/index.js';

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, env: {}, log: null });
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A small CLEVR-like program vocabulary and some programs over it (prefix tokens). */
export const TOKENS = [
  'scene',
  'filter_color[red]',
  'filter_shape[cube]',
  'unique',
  'relate[left]',
  'query_color',
  'count',
  'equal_color',
  'union',
  'exist',
];

export const PROGRAMS: string[][] = [
  ['count', 'filter_color[red]', 'scene'],
  ['query_color', 'unique', 'relate[left]', 'unique', 'filter_shape[cube]', 'scene'],
  ['equal_color', 'query_color', 'unique', 'filter_color[red]', 'scene', 'query_color', 'unique', 'scene'],
  ['exist', 'union', 'filter_color[red]', 'scene', 'union', 'scene', 'filter_shape[cube]', 'scene'],
  ['count', 'scene'],
];

/** Positive features [rows, 3, 2, 4] whose last channel is 1, as the attention networks' stem gives them. */
export function stemLikeFeatures(rows: number, seed = 5): tf.Tensor4D {
  return tf.tidy(() => {
    const learned = tf.abs(tf.randomNormal([rows, 3, 2, 3], 0, 1, 'float32', seed));
    return tf.concat([learned, tf.ones([rows, 3, 2, 1])], 3) as tf.Tensor4D;
  });
}

/** A tiny module network with attention modules for TOKENS (3 input channels, stem 5, 2x2 maps, 2 answers). */
export function tinyAttentionNetwork() {
  const vocab = tokenMapOf(TOKENS);
  const built = createModuleNetwork(
    {
      inChannels: 3,
      stemDim: 5,
      height: 2,
      width: 2,
      modules: 'attention',
      classifier: { projDim: 4, hiddenDim: 8 },
    },
    { program_token_to_idx: vocab, answer_token_to_idx: { a: 0, b: 1 } },
  );
  return { ...built, vocab };
}

/**
 * Trains every variable of `store` with Adam for `steps` steps on `batches[1..]` in turn, then returns `error` on
 * `batches[0]` (held out). Disposes the batches, the optimiser and the store.
 */
export function heldOutErrorAfterTraining<B extends tf.TensorContainer>(
  store: ParameterStore,
  batches: B[],
  error: (batch: B) => tf.Scalar,
  steps: number,
  learningRate: number,
): number {
  const optimizer = tf.train.adam(learningRate);
  const variables = store.variables();
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => error(batches[1 + (s % (batches.length - 1))]), variables);
      optimizer.applyGradients(fillMissingGradients(grads, variables));
    });
  }
  const held = tf.tidy(() => error(batches[0]).dataSync()[0]);
  tf.dispose(batches);
  optimizer.dispose();
  store.dispose();
  return held;
}

/**
 * A module call of one row per member index (row i is sample i at step 0), with `addresses` when given: what the
 * executor hands a module, for calling one directly.
 */
export function callOf(features: tf.Tensor4D, memberIndices: number[], addresses?: tf.Tensor2D): ModuleCall {
  return {
    samples: memberIndices.map((_, i) => i),
    steps: memberIndices.map(() => 0),
    memberIndices,
    features,
    gather: (t) => t,
    addresses,
  };
}
