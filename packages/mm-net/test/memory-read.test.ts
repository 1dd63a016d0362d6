import { createRng, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMemoryColumns } from '../src/index.js';
import { useBackend } from './helpers.js';

function random(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    shape,
  );
}

describe('readMemoryColumns (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each([
    [0, 12],
    [4, 4],
    [8, 4],
  ])('columns [%i, +%i): value and gradients equal a plain product of the sliced memory', (start, width) => {
    const memory = tf.variable(random([5, 12], 1), true, `mem-${start}-${width}`);
    const addresses = random([3, 5], 2) as tf.Tensor2D;
    const weights = random([3, width], 3);
    const lossOf = (read: (a: tf.Tensor2D) => tf.Tensor) => (a: tf.Tensor) =>
      tf.sum(tf.mul(read(a as tf.Tensor2D), weights)) as tf.Scalar;
    const ours = lossOf((a) => readMemoryColumns(a, memory, start, width));
    const plain = lossOf((a) => tf.matMul(a, tf.slice(memory, [0, start], [5, width])));
    const [oursValue, plainValue] = [ours(addresses), plain(addresses)].map((t) => t.dataSync()[0]);
    expect(oursValue).toBeCloseTo(plainValue, 4);
    const g1 = tf.variableGrads(() => ours(addresses), [memory]).grads[memory.name];
    const g2 = tf.variableGrads(() => plain(addresses), [memory]).grads[memory.name];
    expect(Array.from(g1.dataSync())).toEqual(Array.from(g2.dataSync()).map((v) => expect.closeTo(v, 4)));
    const a1 = tf.grad(ours)(addresses).dataSync();
    const a2 = tf.grad(plain)(addresses).dataSync();
    expect(Array.from(a1)).toEqual(Array.from(a2).map((v) => expect.closeTo(v, 4)));
    memory.dispose();
  });

  it('names the bad columns or address shape', () => {
    const memory = tf.variable(tf.zeros([2, 6]), true, 'mem-errors');
    expect(() => readMemoryColumns(tf.zeros([1, 2]), memory, 4, 4)).toThrow(/columns \[4, 8\)/);
    expect(() => readMemoryColumns(tf.zeros([1, 3]), memory, 0, 6)).toThrow(/\[n, 2\]/);
    memory.dispose();
  });
});
