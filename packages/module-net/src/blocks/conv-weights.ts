import { conv2d, perSampleConv2d, type tf } from '@mmnet/core-tensors';

/**
 * The weights of one stride-1 'same' convolution, either shared by the batch (kernel [k, k, in, out] HWIO, bias
 * [out]) or one per sample (kernel [N, k, k, in, out], bias [N, out]), as a module memory network reads them.
 */
export interface ConvWeights {
  kernel: tf.Tensor;
  bias?: tf.Tensor | null;
}

/** Convolves NHWC x with shared or per-sample weights (perSampleConv2d for rank-5 kernels). */
export function applyConv(x: tf.Tensor4D, w: ConvWeights, name = 'conv'): tf.Tensor4D {
  if (w.kernel.rank === 4) {
    if (w.bias && w.bias.rank !== 1)
      throw new Error(`${name}: a shared kernel needs a bias [out], got [${w.bias.shape}]`);
    return conv2d(x, w.kernel as tf.Tensor4D, (w.bias ?? null) as tf.Tensor1D | null);
  }
  if (w.kernel.rank === 5) {
    if (w.bias && w.bias.rank !== 2) {
      throw new Error(`${name}: per-sample kernels need a bias [N, out], got [${w.bias.shape}]`);
    }
    return perSampleConv2d(x, w.kernel, (w.bias ?? null) as tf.Tensor2D | null);
  }
  throw new Error(
    `${name}: kernel must be rank 4 [k, k, in, out] or rank 5 [N, k, k, in, out], got [${w.kernel.shape}]`,
  );
}
