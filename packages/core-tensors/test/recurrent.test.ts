import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, ParameterStore, RecurrentNetwork, tf } from '../src/index.js';
import { expectClose, finiteDifference, randomTensor, useBackend, weightedSum } from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(['lstm', 'gru'] as const)('%s', (cell) => {
  function make(seed = 1) {
    const store = new ParameterStore(createRng(seed));
    const rnn = new RecurrentNetwork(store.scope('rnn'), { cell, inputSize: 3, hiddenSize: 4, numLayers: 2 });
    return { store, rnn };
  }

  it('last state of a padded sample equals running only its real steps', () => {
    const { rnn } = make();
    const x = randomTensor([2, 5, 3], 7) as tf.Tensor3D;
    const out = rnn.apply(x, [3, 5]);
    expect(out.outputs.shape).toEqual([2, 5, 4]);
    const alone = rnn.apply(tf.slice(x, [0, 0, 0], [1, 3, 3]) as tf.Tensor3D);
    expectClose(tf.slice(out.last, [0, 0], [1, 4]), alone.last, 1e-5);
    // Past its length the output repeats the last real state.
    expectClose(tf.slice(out.outputs, [0, 4, 0], [1, 1, 4]).reshape([1, 4]), alone.last, 1e-5);
    const full = rnn.apply(tf.slice(x, [1, 0, 0], [1, 5, 3]) as tf.Tensor3D);
    expectClose(tf.slice(out.last, [1, 0], [1, 4]), full.last, 1e-5);
  });

  it('step-by-step decoding equals running the whole sequence', () => {
    const { rnn } = make(2);
    const x = randomTensor([2, 4, 3], 8) as tf.Tensor3D;
    const whole = rnn.apply(x);
    let state = {
      h: [tf.zeros([2, 4]), tf.zeros([2, 4])] as tf.Tensor2D[],
      c: [tf.zeros([2, 4]), tf.zeros([2, 4])] as tf.Tensor2D[],
    };
    for (let t = 0; t < 4; t++) {
      state = rnn.step(
        tf.reshape(tf.slice(x, [0, t, 0], [2, 1, 3]), [2, 3]) as tf.Tensor2D,
        state,
      ) as typeof state;
    }
    expectClose(state.h[1], whole.last, 1e-5);
  });

  it('gradients match finite differences', () => {
    const { store, rnn } = make(3);
    const x = randomTensor([2, 3, 3], 9) as tf.Tensor3D;
    const w = store.get('rnn.layer0.hiddenWeight');
    const loss = () => weightedSum(rnn.apply(x, [2, 3]).outputs);
    const { grads } = tf.variableGrads(loss, [w]);
    const g = grads[w.name].dataSync();
    const original = tf.clone(w);
    const idx = [0, 5, 11, 17, 30];
    const fd = finiteDifference(
      (value) => {
        w.assign(value);
        return loss();
      },
      original,
      idx,
    );
    w.assign(original);
    idx.forEach((i, j) => expect(g[i]).toBeCloseTo(fd[j], 2));
  });

  it('rejects lengths outside the sequence', () => {
    const { rnn } = make();
    expect(() => rnn.apply(tf.zeros([2, 3, 3]) as tf.Tensor3D, [0, 3])).toThrow(/length 0 of sample 0/);
  });
});
