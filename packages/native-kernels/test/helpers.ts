import * as tf from '@tensorflow/tfjs-core';

/** Deterministic uniform values in [-1, 1) (mulberry32), so every case is reproducible from its seed. */
export function seededValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

/** max |actual - expected| / max(max |expected|, 1e-6): the relative error used by every comparison. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isFinite(diff) ? diff / scale : Number.POSITIVE_INFINITY;
}

/** Runs `compute` on `backend` and returns the values of every tensor it returns (disposing them). */
export async function valuesOn(
  backend: string,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<{ shapes: number[][]; values: Float32Array[] }> {
  await tf.setBackend(backend);
  const result = tf.tidy(compute);
  const tensors = Array.isArray(result) ? result : [result];
  const values = tensors.map((t) => t.dataSync() as Float32Array);
  const shapes = tensors.map((t) => t.shape);
  tf.dispose(tensors);
  return { shapes, values };
}
