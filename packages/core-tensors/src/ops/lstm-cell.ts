import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/**
 * The element-wise part of an LSTM step, gates [B, 4H] (PyTorch order i, f, g, o, pre-activation) and cell
 * state c [B, H] -> [h, c'] with c' = sigmoid(f) c + sigmoid(i) tanh(g), h = sigmoid(o) tanh(c').
 * One recorded op with a hand-written gradient instead of ~15 (each with its own saved tensors and gradient
 * ops), which is what an LSTM's time goes to at small batch and hidden sizes.
 */
const lstmCellOp = customGradient((save, gates: tf.Tensor, c: tf.Tensor) => {
  const [batch, width] = gates.shape;
  const hidden = width / 4;
  const activated = tf.sigmoid(gates);
  const [i, f, , o] = tf.split(activated, 4, 1);
  const g = tf.tanh(tf.slice(gates, [0, 2 * hidden], [batch, hidden]));
  const cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
  const tanhC = tf.tanh(cNew);
  const h = tf.mul(o, tanhC);
  save([i, f, g, o, c, tanhC]);
  return {
    // h and c' side by side: customGrad takes one output here; the caller splits it.
    value: tf.concat([h, cNew], 1),
    gradFunc: (dy, saved) => {
      const [si, sf, sg, so, sc, stc] = saved;
      const [dh, dcNext] = tf.split(dy, 2, 1);
      const dc = tf.add(dcNext, tf.mul(tf.mul(dh, so), tf.sub(1, tf.square(stc))));
      const sigmoidSlope = (s: tf.Tensor) => tf.sub(s, tf.square(s));
      const di = tf.mul(tf.mul(dc, sg), sigmoidSlope(si));
      const df = tf.mul(tf.mul(dc, sc), sigmoidSlope(sf));
      const dg = tf.mul(tf.mul(dc, si), tf.sub(1, tf.square(sg)));
      const dout = tf.mul(tf.mul(dh, stc), sigmoidSlope(so));
      return [tf.concat([di, df, dg, dout], 1), tf.mul(dc, sf)];
    },
  };
});

/** One LSTM step's element-wise part: gates [B, 4H] and c [B, H] -> h [B, H] and c' [B, H] (see lstmCellOp). */
export function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [batch, width] = gates.shape;
  if (width % 4 !== 0 || c.shape[0] !== batch || c.shape[1] * 4 !== width) {
    throw new Error(`lstmCell: gates must be [B, 4H] and c [B, H], got [${gates.shape}] and [${c.shape}]`);
  }
  const both = lstmCellOp(gates, c);
  const [h, cNew] = tf.split(both, 2, 1);
  return { h: h as tf.Tensor2D, c: cNew as tf.Tensor2D };
}
