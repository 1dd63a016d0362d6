import { type ParameterStore, tf } from '@mmnet/core-tensors';
import type { SANConfig, SANVocab } from '../config/san-config.js';
import { createInStore, type SANOutput, SANParts } from './san-parts.js';

export interface SANWordByWordOutput extends SANOutput {
  /**
   * 1 where hop t is one of the sample's words (t < length), else 0 [N, hops] with hops = the longest length of
   * the batch (also the second dim of `attention`); maps of inactive hops are 0.
   */
  hopMask: tf.Tensor2D;
}

/**
 * SAN word by word: one attention hop per question word. The query starts at the first word's LSTM state; before
 * each later hop the next word's state is added; each hop adds its attended vector. Samples of different lengths
 * run together: a hop past a sample's length leaves its query unchanged (masks, no loop over samples).
 */
export class SANWordByWord extends SANParts {
  forward(features: tf.Tensor4D, questions: tf.Tensor2D, lengths?: readonly number[]): SANWordByWordOutput {
    const lens = this.inputs(features, questions, lengths);
    const n = questions.shape[0];
    const hops = Math.max(...lens);
    return tf.tidy(() => {
      const encoded = this.encoder.apply(questions, lens);
      const words = encoded.outputs; // [N, T, d]
      const ctx = this.attention.context(this.stem.apply(features));
      const d = words.shape[2];
      const maskValues = new Float32Array(n * hops);
      for (let b = 0; b < n; b++)
        for (let t = 0; t < hops; t++) maskValues[b * hops + t] = t < lens[b] ? 1 : 0;
      const hopMask = tf.tensor2d(maskValues, [n, hops]);
      const word = (t: number) => tf.reshape(tf.slice(words, [0, t, 0], [n, 1, d]), [n, d]) as tf.Tensor2D;
      let u = word(0);
      const maps: tf.Tensor3D[] = [];
      for (let t = 0; t < hops; t++) {
        const m = tf.slice(hopMask, [0, t], [n, 1]);
        const query = t === 0 ? u : (tf.add(u, word(t)) as tf.Tensor2D);
        const { map, attended } = this.attention.hop(ctx, query);
        maps.push(tf.mul(map, tf.reshape(m, [n, 1, 1])) as tf.Tensor3D);
        const step = t === 0 ? attended : tf.add(word(t), attended);
        u = tf.add(u, tf.mul(m, step)) as tf.Tensor2D;
      }
      const attention = tf.stack(maps, 1) as tf.Tensor4D;
      return { logits: this.classifier.apply(u), attention, hopMask };
    });
  }
}

export function createSANWordByWord(
  config: SANConfig,
  vocab: SANVocab,
): { model: SANWordByWord; store: ParameterStore } {
  return createInStore(config, (scope, parsed) => new SANWordByWord(scope, parsed, vocab));
}
