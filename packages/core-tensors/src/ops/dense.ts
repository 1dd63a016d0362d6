import * as tf from '@tensorflow/tfjs-core';
import { addBias } from './bias.js';
import { customGradient } from './custom-gradient.js';
import { matMul } from './matmul.js';

/** x [..., in] @ w [in, out] + b: a fully connected layer over the last axis. */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D | null): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  if (inDim !== w.shape[0]) {
    throw new Error(
      `linear: input has ${inDim} features but the weight expects ${w.shape[0]} ([${w.shape}])`,
    );
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    let y = matMul(flat, w);
    if (b) y = addBias(y, b);
    return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
  });
}

/**
 * Looks up rows of an embedding table: ids int32 of any shape -> [...shape, dim]. The gradient is a
 * one-hot product (wasm has no UnsortedSegmentSum kernel, which tf.gather's gradient needs).
 */
export const embedding = customGradient((save, table: tf.Tensor, ids: tf.Tensor) => {
  save([table, ids]);
  const value = tf.gather(table, ids);
  return {
    value,
    gradFunc: (dy, saved) => {
      const [st, sids] = saved;
      const [vocab, dim] = st.shape;
      const flatIds = tf.reshape(sids, [-1]) as tf.Tensor1D;
      const oneHotT = tf.transpose(tf.oneHot(flatIds, vocab)); // [vocab, n]
      const grad = tf.matMul(tf.cast(oneHotT, 'float32'), tf.reshape(dy, [-1, dim]));
      return [grad, tf.zerosLike(sids)];
    },
  };
});

/** Checks ids against the table size first, so a bad token is a clear error and not garbage. */
export function embed(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (ids.dtype !== 'int32') throw new Error(`embed: ids must be int32, got ${ids.dtype}`);
  const values = ids.dataSync();
  const vocab = table.shape[0];
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= vocab) {
      throw new Error(`embed: id ${values[i]} at position ${i} is outside the vocabulary of ${vocab}`);
    }
  }
  return embedding(table, ids);
}
