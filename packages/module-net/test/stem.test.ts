import { coordinateMaps, createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { createModuleNetwork, Stem } from '../src/index.js';
import { useBackend } from './helpers.js';

describe('stem', () => {
  it('with coordinates, two fixed channels before the attention channel hold them for every image', async () => {
    await useBackend('wasm');
    const store = new ParameterStore(createRng(1));
    const scope = store.scope('stem');
    const stem = new Stem(scope, {
      inChannels: 3,
      dim: 6,
      kernelSize: 1,
      attentionChannel: true,
      coordinates: true,
    });
    const out = stem.apply(tf.randomNormal([2, 2, 3, 3]) as tf.Tensor4D);
    expect(out.shape).toEqual([2, 2, 3, 6]);
    const expected = coordinateMaps(2, 3).dataSync();
    for (let n = 0; n < 2; n++) {
      expect([...tf.slice(out, [n, 0, 0, 3], [1, 2, 3, 2]).dataSync()]).toEqual([...expected]);
      expect([...tf.slice(out, [n, 0, 0, 5], [1, 2, 3, 1]).dataSync()]).toEqual([1, 1, 1, 1, 1, 1]);
    }
    // Three learned channels: the convolutions map to dim - 3.
    expect(stem.layers[0].kernel.shape).toEqual([1, 1, 3, 3]);
    out.dispose();
    store.dispose();
  });

  it('a dim with no room for a learned channel is refused, naming the fixed channels', () => {
    const store = new ParameterStore(createRng(1));
    const scope = store.scope('stem');
    expect(
      () => new Stem(scope, { inChannels: 3, dim: 3, attentionChannel: true, coordinates: true }),
    ).toThrow(/dim 3 leaves no learned channel beside the two coordinate channels and the attention channel/);
    store.dispose();
  });

  it('a module network with `coordinates` lets a selection carry where its objects are', async () => {
    await useBackend('wasm');
    const { model, store } = createModuleNetwork(
      { inChannels: 3, stemDim: 6, height: 2, width: 2, modules: 'attention', coordinates: true },
      { program_token_to_idx: { scene: 0 }, answer_token_to_idx: { a: 0 } },
    );
    const out = model.stem.apply(tf.randomNormal([1, 2, 2, 3]) as tf.Tensor4D);
    expect([...tf.slice(out, [0, 0, 0, 3], [1, 2, 2, 2]).dataSync()]).toEqual([-1, -1, 1, -1, -1, 1, 1, 1]);
    out.dispose();
    store.dispose();
  });
});
