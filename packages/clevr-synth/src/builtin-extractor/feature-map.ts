import { coordinateMaps, tf } from '@mmnet/core-tensors';
import type { BuiltinCnnOutput } from './architecture.js';
import { ATTRIBUTE_CHANNELS } from './attribute-groups.js';
import { attributeProbabilities } from './pretext-loss.js';

/** Names of the feature channels for an embedding of `embeddingChannels`: 16 + E + 2. */
export function builtinFeatureChannels(embeddingChannels: number): string[] {
  return [
    ...ATTRIBUTE_CHANNELS.map((c) => `p(${c})`),
    ...Array.from({ length: embeddingChannels }, (_, i) => `embedding${i}`),
    'x',
    'y',
  ];
}

/**
 * The features of the built-in extractor from the network's outputs: per-group attribute probabilities
 * (16, in the label maps' order), the embedding divided by its per-channel scale (E, about unit size), and x/y
 * (2): [B, h, w, 16+E+2].
 */
export function builtinFeatures(output: BuiltinCnnOutput, embeddingScale: Float32Array): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, e] = output.embedding.shape;
    if (embeddingScale.length !== e) {
      throw new Error(`built-in features: ${embeddingScale.length} embedding scales for ${e} channels`);
    }
    const probs = attributeProbabilities(output.logits);
    const embedding = tf.div(output.embedding, tf.tensor1d(embeddingScale));
    const coords = tf.tile(coordinateMaps(h, w), [b, 1, 1, 1]);
    return tf.concat([probs, embedding, coords], 3) as tf.Tensor4D;
  });
}
