import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  clipGradientsByValue,
  createRng,
  Embedding,
  Linear,
  maxPool2d,
  ParameterStore,
  RecurrentNetwork,
  tf,
} from '../src/index.js';
import { useBackend } from './helpers.js';

describe('training a small model', () => {
  it('keeps the tensor count stable over 100 steps on wasm, and the loss falls', async () => {
    await useBackend('wasm');
    const rng = createRng(11);
    const store = new ParameterStore(rng);
    const conv = new Conv2d(store.scope('conv'), 3, 8, 3);
    const words = new Embedding(store.scope('words'), 10, 6);
    const rnn = new RecurrentNetwork(store.scope('rnn'), { inputSize: 6, hiddenSize: 8, numLayers: 1 });
    const head = new Linear(store.scope('head'), 8 * 2 * 2 + 8, 3);
    const optimizer = tf.train.adam(1e-2);
    const images = tf.randomUniform([8, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const questions = tf.tensor2d(
      Array.from({ length: 8 * 5 }, (_, i) => (i * 7) % 10),
      [8, 5],
      'int32',
    );
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const lengths = [5, 4, 3, 5, 2, 5, 1, 5];

    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const v = tf.relu(conv.apply(images));
          const pooled = tf.reshape(maxPool2d(v), [8, -1]);
          const q = rnn.apply(words.apply(questions) as tf.Tensor3D, lengths).last;
          const logits = head.apply(tf.concat([pooled, q], 1));
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        }, store.variables());
        optimizer.applyGradients(
          clipGradientsByValue(grads, -5, 5) as Parameters<typeof optimizer.applyGradients>[0],
        );
        return value.dataSync()[0];
      });

    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 100; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.5);
  });
});
