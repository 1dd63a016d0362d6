import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { addBias } from '../ops/bias.js';
import { lstmCell } from '../ops/lstm-cell.js';
import { matMul } from '../ops/matmul.js';
import { torchDefault } from '../params/initializers.js';
import type { ParameterScope } from '../params/parameter-store.js';

export const RecurrentConfigSchema = z.object({
  cell: z.enum(['lstm', 'gru']).default('lstm'),
  inputSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  numLayers: z.number().int().positive().default(1),
});
export type RecurrentConfig = z.input<typeof RecurrentConfigSchema>;

export interface RecurrentState {
  /** Hidden state per layer [B, H]. */
  h: tf.Tensor2D[];
  /** Cell state per layer [B, H] (LSTM only). */
  c?: tf.Tensor2D[];
}

export interface RecurrentOutput {
  /** Top layer's hidden state at every step [B, T, H]; past a sample's length it repeats the last real one. */
  outputs: tf.Tensor3D;
  /** Top layer's hidden state at each sample's last real step [B, H]. */
  last: tf.Tensor2D;
  /** Final state of every layer (at each sample's last real step), to continue from. */
  state: RecurrentState;
}

interface LayerWeights {
  inputWeight: tf.Variable; // [in, gates*H]
  hiddenWeight: tf.Variable; // [H, gates*H]
  inputBias: tf.Variable; // [gates*H]
  hiddenBias: tf.Variable; // [gates*H]
}

/**
 * A multi-layer LSTM or GRU over batch-first sequences [B, T, D], with per-sample lengths. Gate order and
 * equations follow PyTorch (LSTM: i, f, g, o; GRU: r, z, n), so converted PyTorch weights load directly
 * (transposed to [in, gates*H]).
 */
export class RecurrentNetwork {
  readonly config: z.output<typeof RecurrentConfigSchema>;
  private readonly layers: LayerWeights[] = [];

  constructor(scope: ParameterScope, config: RecurrentConfig) {
    this.config = RecurrentConfigSchema.parse(config);
    const { inputSize, hiddenSize, numLayers, cell } = this.config;
    const gates = cell === 'lstm' ? 4 : 3;
    const init = torchDefault(hiddenSize);
    for (let l = 0; l < numLayers; l++) {
      const s = scope.scope(`layer${l}`);
      const inDim = l === 0 ? inputSize : hiddenSize;
      this.layers.push({
        inputWeight: s.create('inputWeight', [inDim, gates * hiddenSize], init),
        hiddenWeight: s.create('hiddenWeight', [hiddenSize, gates * hiddenSize], init),
        inputBias: s.create('inputBias', [gates * hiddenSize], init),
        hiddenBias: s.create('hiddenBias', [gates * hiddenSize], init),
      });
    }
  }

  /**
   * Runs the sequence. `lengths` (one per sample, 1..T) marks where each sample's real tokens end; steps
   * past it leave the state unchanged. Without lengths every sample uses all T steps.
   */
  apply(x: tf.Tensor3D, lengths?: ArrayLike<number>, initial?: RecurrentState): RecurrentOutput {
    const [batch, steps, dim] = x.shape;
    const { hiddenSize: H, cell, inputSize } = this.config;
    if (dim !== inputSize) throw new Error(`recurrent: input has ${dim} features, expected ${inputSize}`);
    if (lengths && lengths.length !== batch) {
      throw new Error(`recurrent: ${lengths.length} lengths for a batch of ${batch}`);
    }
    if (lengths) {
      for (let i = 0; i < batch; i++) {
        if (!(lengths[i] >= 1 && lengths[i] <= steps)) {
          throw new Error(`recurrent: length ${lengths[i]} of sample ${i} is outside 1..${steps}`);
        }
      }
    }
    return tf.tidy(() => {
      // Step t needs a mask only when some sample has ended before it; 1 keeps the new state, 0 the old one.
      const masks: (tf.Tensor2D | null)[] = [];
      for (let t = 0; t < steps; t++) {
        if (!lengths || Array.prototype.every.call(lengths, (len: number) => t < len)) {
          masks.push(null);
          continue;
        }
        const m = new Float32Array(batch);
        for (let b = 0; b < batch; b++) m[b] = t < lengths[b] ? 1 : 0;
        masks.push(tf.tensor2d(m, [batch, 1]));
      }
      let input: tf.Tensor3D = x;
      const finalH: tf.Tensor2D[] = [];
      const finalC: tf.Tensor2D[] = [];
      this.layers.forEach((w, l) => {
        // LSTM: both biases are added once to the input projection of every step. GRU keeps the hidden
        // bias apart: its candidate gate multiplies the hidden projection (bias included) by r.
        const inputBias = cell === 'lstm' ? tf.add(w.inputBias, w.hiddenBias) : w.inputBias;
        const projected = tf.reshape(
          addBias(matMul(tf.reshape(input, [batch * steps, input.shape[2]]), w.inputWeight), inputBias),
          [batch, steps, -1],
        );
        let h: tf.Tensor2D = initial?.h[l] ?? tf.zeros([batch, H]);
        let c: tf.Tensor2D = initial?.c?.[l] ?? tf.zeros([batch, H]);
        const outs: tf.Tensor2D[] = [];
        for (let t = 0; t < steps; t++) {
          const xt = tf.reshape(tf.slice(projected, [0, t, 0], [batch, 1, -1]), [batch, -1]) as tf.Tensor2D;
          let hNew: tf.Tensor2D;
          let cNew: tf.Tensor2D = c;
          if (cell === 'lstm') {
            const next = lstmCell(tf.add(xt, matMul(h, w.hiddenWeight)) as tf.Tensor2D, c);
            hNew = next.h;
            cNew = next.c;
          } else {
            const ht = addBias(matMul(h, w.hiddenWeight), w.hiddenBias) as tf.Tensor2D;
            const [xr, xz, xn] = tf.split(xt, 3, 1);
            const [hr, hz, hn] = tf.split(ht, 3, 1);
            const r = tf.sigmoid(tf.add(xr, hr));
            const z = tf.sigmoid(tf.add(xz, hz));
            const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
            hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D;
          }
          const m = masks[t];
          if (m) {
            h = tf.add(h, tf.mul(m, tf.sub(hNew, h))) as tf.Tensor2D;
            if (cell === 'lstm') c = tf.add(c, tf.mul(m, tf.sub(cNew, c))) as tf.Tensor2D;
          } else {
            h = hNew;
            c = cNew;
          }
          outs.push(h);
        }
        finalH.push(h);
        if (cell === 'lstm') finalC.push(c);
        input = tf.stack(outs, 1) as tf.Tensor3D;
      });
      return {
        outputs: input,
        last: finalH[finalH.length - 1],
        state: cell === 'lstm' ? { h: finalH, c: finalC } : { h: finalH },
      };
    });
  }

  /** One step of every layer from a state: x [B, D] -> new state (decoders call this step by step). */
  step(x: tf.Tensor2D, state: RecurrentState): RecurrentState {
    const kept = tf.tidy(() => {
      const { state: next } = this.apply(tf.expandDims(x, 1) as tf.Tensor3D, undefined, state);
      return { h: next.h, c: next.c ?? [] };
    });
    return this.config.cell === 'lstm' ? kept : { h: kept.h };
  }
}
