import { expect } from 'vitest';
import { type BackendName, createRng, initBackend, tf } from '../src/index.js';

/** Switches tfjs to a backend (silently). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, env: {}, log: null });
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}

/** A seeded random tensor (values from mmnet's own generator, so runs repeat exactly). */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = scale * rng.normal();
  return tf.tensor(values, shape);
}

/** Largest |a - b| relative to the largest |b| (or 1). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let maxDiff = 0;
  let maxRef = 1e-6;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxDiff / maxRef;
}

export function expectClose(
  a: tf.Tensor | ArrayLike<number>,
  b: tf.Tensor | ArrayLike<number>,
  tolerance = 1e-4,
) {
  const av = a instanceof tf.Tensor ? a.dataSync() : a;
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  if (a instanceof tf.Tensor && b instanceof tf.Tensor) expect(a.shape).toEqual(b.shape);
  expect(relativeError(av, bv)).toBeLessThan(tolerance);
}

/**
 * Central finite-difference gradient of a scalar function at some coordinates of x (float64 arithmetic on
 * the perturbation, float32 inside tfjs, so use well-scaled inputs and a loose tolerance).
 */
export function finiteDifference(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  indices: number[],
  eps = 1e-2,
): number[] {
  const base = x.dataSync().slice();
  return indices.map((i) => {
    const plus = base.slice();
    plus[i] += eps;
    const minus = base.slice();
    minus[i] -= eps;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    return (fp - fm) / (2 * eps);
  });
}

/** A fixed weighting so that the scalar loss depends on every output element differently. */
export function weightedSum(y: tf.Tensor, seed = 99): tf.Scalar {
  return tf.sum(tf.mul(y, randomTensor(y.shape, seed))) as tf.Scalar;
}

/** Runs the same computation on cpu and wasm from the same input values and compares every output. */
export async function onBothBackends(shapes: number[][], compute: (xs: tf.Tensor[]) => tf.Tensor[]) {
  const values = shapes.map((shape, i) => randomTensor(shape, 100 + i).dataSync() as Float32Array);
  const results: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    results[backend] = tf
      .tidy(() => compute(values.map((v, i) => tf.tensor(v, shapes[i]))))
      .map((t) => t.dataSync() as Float32Array);
  }
  results.cpu.forEach((c, i) => expectClose(results.wasm[i], c, 1e-4));
}
