import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';
import { im2col } from './im2col.js';
import { batchedProduct, matMul } from './matmul.js';

/** x [N, H, W, Cin] convolved per sample with kernels [N, kh, kw, Cin, Cout] through one patch matrix. */
function patchProduct(x: tf.Tensor4D, kernels: tf.Tensor): tf.Tensor4D {
  const [n, h, w, cin] = x.shape;
  const [, kh, kw, , cout] = kernels.shape;
  const cols = tf.reshape(im2col(x, kh, kw, 1, 'same'), [n, h * w, kh * kw * cin]) as tf.Tensor3D;
  const y = batchedProduct(cols, tf.reshape(kernels, [n, kh * kw * cin, cout]) as tf.Tensor3D);
  return tf.reshape(y, [n, h, w, cout]) as tf.Tensor4D;
}

/**
 * Odd kernels: a custom gradient that saves only x and the kernels. The patch matrix (kh*kw times the
 * input) is rebuilt in the backward pass instead of being kept (and, on wasm, copied) for every call, and
 * the input gradient is dy convolved per sample with the flipped, transposed kernels.
 */
const oddKernelConv = customGradient((save, x: tf.Tensor, kernels: tf.Tensor) => {
  save([x, kernels]);
  const value = tf.tidy(() => patchProduct(x as tf.Tensor4D, kernels));
  return {
    value,
    gradFunc: (dy, saved) => {
      const [sx, sk] = saved as [tf.Tensor4D, tf.Tensor];
      const [n, h, w, cin] = sx.shape;
      const [, kh, kw, , cout] = sk.shape;
      const g = dy as tf.Tensor4D;
      const flipped = tf.reverse(tf.transpose(sk, [0, 1, 2, 4, 3]), [1, 2]); // [N, kh, kw, Cout, Cin]
      const dx = patchProduct(g, flipped);
      const cols = tf.reshape(im2col(sx, kh, kw, 1, 'same'), [n, h * w, kh * kw * cin]);
      const dk = batchedProduct(
        tf.transpose(cols, [0, 2, 1]) as tf.Tensor3D,
        tf.reshape(g, [n, h * w, cout]) as tf.Tensor3D,
      );
      return [dx, tf.reshape(dk, sk.shape)];
    },
  };
});

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
    let out: tf.Tensor4D;
    if (kh % 2 === 1 && kw % 2 === 1) {
      out = oddKernelConv(x, kernels) as tf.Tensor4D;
    } else {
      const cols = tf.reshape(im2col(x, kh, kw, 1, 'same'), [n, h * w, kh * kw * cin]);
      const y = matMul(cols, tf.reshape(kernels, [n, kh * kw * cin, cout]));
      out = tf.reshape(y, [n, h, w, cout]) as tf.Tensor4D;
    }
    return bias ? tf.add(out, tf.reshape(bias, [n, 1, 1, cout])) : out;
  });
}
