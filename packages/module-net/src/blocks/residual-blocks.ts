import { tf } from '@mmnet/core-tensors';
import { applyConv, type ConvWeights } from './conv-weights.js';

/** Weights of the residual unary block: two dim -> dim 3x3 convolutions. */
export interface UnaryBlockWeights {
  conv1: ConvWeights;
  conv2: ConvWeights;
}

/** Weights of the residual binary block: a 2*dim -> dim 3x3 convolution, then two dim -> dim ones. */
export interface BinaryBlockWeights {
  conv1: ConvWeights;
  conv2: ConvWeights;
  conv3: ConvWeights;
}

/**
 * The residual unary module of IEP, parameter-free: out = ReLU(x + conv2(ReLU(conv1(x)))). Weights may be shared
 * (rank-4 kernels) or per sample (rank-5 kernels, e.g. read from a module memory).
 */
export function residualUnary(x: tf.Tensor4D, w: UnaryBlockWeights): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const o = tf.relu(applyConv(x, w.conv1, 'residualUnary.conv1'));
    return tf.relu(tf.add(x, applyConv(o, w.conv2, 'residualUnary.conv2'))) as tf.Tensor4D;
  });
}

/**
 * The residual binary module of IEP, parameter-free: x = concat(a, b) on channels; o1 = ReLU(conv1(x));
 * o2 = ReLU(conv2(o1)); out = ReLU(o1 + conv3(o2)).
 */
export function residualBinary(a: tf.Tensor4D, b: tf.Tensor4D, w: BinaryBlockWeights): tf.Tensor4D {
  if (a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`residualBinary: inputs differ in shape: [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy((): tf.Tensor4D => {
    const x = tf.concat([a, b], 3) as tf.Tensor4D;
    const o1 = tf.relu(applyConv(x, w.conv1, 'residualBinary.conv1'));
    const o2 = tf.relu(applyConv(o1, w.conv2, 'residualBinary.conv2'));
    return tf.relu(tf.add(o1, applyConv(o2, w.conv3, 'residualBinary.conv3'))) as tf.Tensor4D;
  });
}
