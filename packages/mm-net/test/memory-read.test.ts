import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ModuleMemoryBank,
  readBinaryWeights,
  readBinaryWeightsPerCall,
  readMemoryColumns,
  readUnaryWeights,
  readUnaryWeightsPerCall,
} from '../src/index.js';
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

describe('readUnaryWeightsPerCall / readBinaryWeightsPerCall (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('equal the per-call reads in value and in the gradients of the bank and the addresses', () => {
    const dim = 2;
    const store = new ParameterStore(createRng(4));
    const width = 4 * 9 * dim * dim;
    const bank = new ModuleMemoryBank(store, 'bank', ['a', 'b', 'c'], width, (shape, rng) =>
      Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()),
    );
    const calls = [random([2, 3], 5), random([1, 3], 6), random([3, 3], 7)] as tf.Tensor2D[];
    const probes = calls.map((a, i) => random([a.shape[0], 9 * dim * dim * 4], 10 + i));
    // A loss touching every kernel of every call, weighted so that each kernel's gradient differs.
    const lossOf = (kernels: tf.Tensor[][]) =>
      tf.addN(
        kernels.flatMap((ks, c) =>
          ks.map((k, j) => {
            const flat = tf.reshape(k, [k.shape[0], -1]);
            const probe = tf.slice(probes[c], [0, 0], flat.shape as [number, number]);
            return tf.sum(tf.mul(tf.mul(flat, probe), j + 1));
          }),
        ),
      ) as tf.Scalar;
    const cases = [
      {
        planned: (as: tf.Tensor2D[]) =>
          readUnaryWeightsPerCall(bank, as, dim).map((w) => [w.conv1.kernel, w.conv2.kernel]),
        perCall: (as: tf.Tensor2D[]) =>
          as.map((a) => readUnaryWeights(bank, a, dim, false)).map((w) => [w.conv1.kernel, w.conv2.kernel]),
      },
      {
        planned: (as: tf.Tensor2D[]) =>
          readBinaryWeightsPerCall(bank, as, dim).map((w) => [
            w.conv1.kernel,
            w.conv2.kernel,
            w.conv3.kernel,
          ]),
        perCall: (as: tf.Tensor2D[]) =>
          as
            .map((a) => readBinaryWeights(bank, a, dim, false))
            .map((w) => [w.conv1.kernel, w.conv2.kernel, w.conv3.kernel]),
      },
    ];
    for (const { planned, perCall } of cases) {
      const ours = planned(calls);
      const theirs = perCall(calls);
      ours.forEach((ks, c) =>
        ks.forEach((k, j) => {
          expect(k.shape).toEqual(theirs[c][j].shape);
          expect(Array.from(k.dataSync())).toEqual(Array.from(theirs[c][j].dataSync()));
        }),
      );
      const gradsOf = (read: typeof planned) =>
        tf.grads((...as: tf.Tensor[]) => lossOf(read(as as tf.Tensor2D[])))(calls);
      const memoryGradOf = (read: typeof planned) =>
        tf.variableGrads(() => lossOf(read(calls)), [bank.memory]).grads[bank.memory.name];
      const close = (a: tf.Tensor, b: tf.Tensor) =>
        expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()).map((v) => expect.closeTo(v, 4)));
      close(memoryGradOf(planned), memoryGradOf(perCall));
      const [ga, gb] = [gradsOf(planned), gradsOf(perCall)];
      ga.forEach((g, i) => close(g, gb[i]));
    }
    store.dispose();
  });

  it('names a call whose addresses do not fit the bank', () => {
    const store = new ParameterStore(createRng(1));
    const bank = new ModuleMemoryBank(
      store,
      'bank',
      ['a', 'b'],
      4 * 9,
      (shape) => new Float32Array(shape[0] * shape[1]),
    );
    expect(() =>
      readUnaryWeightsPerCall(bank, [tf.zeros([1, 2]), tf.zeros([2, 3])] as tf.Tensor2D[], 1),
    ).toThrow(/call 1 must be \[n >= 1, 2\]/);
    store.dispose();
  });
});
