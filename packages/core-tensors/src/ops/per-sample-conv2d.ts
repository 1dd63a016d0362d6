import * as tf from '@tensorflow/tfjs-core';
import { im2col } from './im2col.js';
import { matMul } from './matmul.js';

/**
 * Convolves each sample of a batch with its own kernel, in one batched product (no loop over samples):
 * x [N, H, W, Cin], kernels [N, kh, kw, Cin, Cout] -> [N, H, W, Cout], stride 1, 'same' padding.
 * This is what a module memory network needs: every sample reads its own module weights from memory.
 */
export function perSampleConv2d(x: tf.Tensor4D, kernels: tf.Tensor, bias?: tf.Tensor2D | null): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`perSampleConv2d: input must be rank 4 NHWC, got shape [${x.shape}]`);
  if (kernels.rank !== 5) {
    throw new Error(
      `perSampleConv2d: kernels must be rank 5 [N, kh, kw, Cin, Cout], got shape [${kernels.shape}]`,
    );
  }
  const [n, h, w, cin] = x.shape;
  const [kn, kh, kw, kcin, cout] = kernels.shape;
  if (kn !== n) throw new Error(`perSampleConv2d: ${n} samples but ${kn} kernels`);
  if (kcin !== cin) throw new Error(`perSampleConv2d: input has ${cin} channels but kernels expect ${kcin}`);
  return tf.tidy(() => {
    const cols = tf.reshape(im2col(x, kh, kw, 1, 'same'), [n, h * w, kh * kw * cin]);
    const y = matMul(cols, tf.reshape(kernels, [n, kh * kw * cin, cout]));
    const out = tf.reshape(y, [n, h, w, cout]) as tf.Tensor4D;
    return bias ? tf.add(out, tf.reshape(bias, [n, 1, 1, cout])) : out;
  });
}
