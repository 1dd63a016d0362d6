import { type ParameterStore, tf } from '@mmnet/core-tensors';
import type { SANConfig, SANVocab } from '../config/san-config.js';
import { createInStore, type SANOutput, SANParts } from './san-parts.js';

/**
 * SAN: u0 = the question LSTM's state at the last real token; `hops` attention hops with shared weights,
 * u <- u + v~; answer logits from the final u.
 */
export class SAN extends SANParts {
  forward(features: tf.Tensor4D, questions: tf.Tensor2D, lengths?: readonly number[]): SANOutput {
    const lens = this.inputs(features, questions, lengths);
    return tf.tidy(() => {
      let u = this.encoder.apply(questions, lens).last;
      const ctx = this.attention.context(this.stem.apply(features));
      const maps: tf.Tensor3D[] = [];
      for (let i = 0; i < this.config.hops; i++) {
        const { map, attended } = this.attention.hop(ctx, u);
        maps.push(map);
        u = tf.add(u, attended) as tf.Tensor2D;
      }
      return { logits: this.classifier.apply(u), attention: tf.stack(maps, 1) as tf.Tensor4D };
    });
  }
}

export function createSAN(config: SANConfig, vocab: SANVocab): { model: SAN; store: ParameterStore } {
  return createInStore(config, (scope, parsed) => new SAN(scope, parsed, vocab));
}
