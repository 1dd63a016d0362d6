import { describe, expect, it } from 'vitest';
import { hasSlowBatchedMatMul, tf } from '../src/index.js';
import { onBothBackends, randomTensor, useBackend } from './helpers.js';

// The stock wasm kernels, not the native (BLAS) ones: this file runs in its own worker.
process.env.MMNET_NATIVE_KERNELS = 'off';

describe('wasm matMul guard', () => {
  it('matMul by the same data under two shapes (a reshape) gives the right products and keeps the heap intact', async () => {
    // Stock wasm caches an XNNPACK operator per right-hand operand's data: without the guard the second product
    // ran the first shape's operator and corrupted the heap (a later free failed: "memory access out of bounds").
    const compute = ([g, w, a]: tf.Tensor[]) => {
      const out: tf.Tensor[] = [];
      for (let i = 0; i < 3; i++) {
        out.push(tf.matMul(tf.ones([1, 1]), g)); // g as [1, 64]
        out.push(tf.matMul(w, tf.reshape(g, [64, 1]))); // the same data as [64, 1]
        out.push(tf.matMul(a, g));
      }
      return out;
    };
    await onBothBackends(
      [
        [1, 64],
        [64, 64],
        [64, 1],
      ],
      compute,
    );
    await useBackend('wasm');
    for (let i = 0; i < 30; i++) {
      tf.tidy(() => {
        const g = randomTensor([1, 64], i);
        tf.matMul(tf.ones([1, 1]), g).dataSync();
        tf.matMul(randomTensor([64, 64], 1000 + i), tf.reshape(g, [64, 1])).dataSync();
        tf.matMul(randomTensor([64, 1], 2000 + i), g).dataSync();
      });
    }
    for (let i = 0; i < 300; i++) tf.tidy(() => tf.ones([1 + ((i * 7919) % 100000)]).dataSync());
    expect(tf.tidy(() => tf.sum(tf.matMul(tf.ones([3, 2]), tf.ones([2, 4]))).dataSync()[0])).toBe(24);
  });

  it('still counts the stock batched product as slow behind the guard (so batched products split into 2-D ones)', async () => {
    await useBackend('wasm');
    expect(hasSlowBatchedMatMul()).toBe(true);
  });
});
