import * as tf from '@tensorflow/tfjs-core';
import { addBias } from './bias.js';
import { customGradient } from './custom-gradient.js';
import { convGeometry, im2colTransposed, type Padding } from './im2col.js';
import { matMul } from './matmul.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: Padding;
}

/** Kernel gradient of a convolution: patches(x)^T @ dy, reshaped to HWIO. */
function kernelGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernelShape: number[],
  stride: number,
  padding: Padding,
) {
  const [kh, kw, cin, cout] = kernelShape;
  if (stride === 1) return kernelGradientStride1(x, dy, kh, kw, padding);
  const [n, outH, outW] = dy.shape;
  const cols = im2colTransposed(x, kh, kw, stride, padding); // [kh*kw*cin, N*outH*outW]
  const dw = tf.matMul(cols, tf.reshape(dy, [n * outH * outW, cout]));
  return tf.reshape(dw, [kh, kw, cin, cout]);
}

/**
 * Kernel gradient of a stride-1 convolution without a patch matrix. In the padded input flattened over
 * (n, row, col), the window of kernel tap (ky, kx) is the same array shifted by ky*paddedWidth + kx rows; dy
 * placed on the padded grid (zeros elsewhere) lines up with every shift. So each tap's gradient is one
 * product of a contiguous column range of the transposed input with the same dy matrix.
 */
function kernelGradientStride1(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, padding: Padding) {
  const [n, h, w, cin] = x.shape;
  const cout = dy.shape[3];
  const g = convGeometry(h, w, kh, kw, 1, padding);
  const ph = h + g.padTop + g.padBottom;
  const pw = w + g.padLeft + g.padRight;
  const positions = n * ph * pw;
  const xPadded = tf.pad(x, [
    [0, 0],
    [g.padTop, g.padBottom],
    [g.padLeft, g.padRight],
    [0, 0],
  ]);
  const xT = tf.transpose(tf.reshape(xPadded, [positions, cin])); // [cin, positions]
  const dyGrid = tf.pad(dy, [
    [0, 0],
    [0, ph - g.outH],
    [0, pw - g.outW],
    [0, 0],
  ]);
  const span = positions - ((kh - 1) * pw + (kw - 1));
  const dyRows = tf.slice(tf.reshape(dyGrid, [positions, cout]), [0, 0], [span, cout]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      taps.push(tf.matMul(tf.slice(xT, [0, ky * pw + kx], [cin, span]), dyRows));
    }
  }
  return tf.reshape(tf.stack(taps), [kh, kw, cin, cout]);
}

/** Input gradient of a stride-1 'same' convolution with an odd kernel: dy convolved with the flipped kernel. */
function inputGradientSame(dy: tf.Tensor4D, w: tf.Tensor4D) {
  const flipped = tf.reverse(tf.transpose(w, [0, 1, 3, 2]), [0, 1]) as tf.Tensor4D; // [kh, kw, cout, cin]
  return tf.conv2d(dy, flipped, 1, 'same');
}

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
const convWithFastGradients = new Map<string, ConvFn>();

/** A conv2d for one stride/padding whose gradient avoids the slow or missing backprop kernels. */
function fastConv(stride: number, padding: Padding): ConvFn {
  const key = `${stride}:${padding}`;
  const cached = convWithFastGradients.get(key);
  if (cached) return cached;
  const fn = customGradient((save, x: tf.Tensor, w: tf.Tensor) => {
    save([x, w]);
    const value = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, padding);
    return {
      value,
      gradFunc: (dy, saved) => {
        const g = dy as tf.Tensor4D;
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [kh, kw] = sw.shape;
        const sameStride1 = stride === 1 && padding === 'same' && kh % 2 === 1 && kw % 2 === 1;
        const dx = sameStride1
          ? inputGradientSame(g, sw)
          : tf.conv2dTranspose(g, sw, sx.shape, stride, convPadding(sx, kh, kw, stride, padding));
        return [dx, kernelGradient(sx, g, sw.shape, stride, padding)];
      },
    };
  }) as ConvFn;
  convWithFastGradients.set(key, fn);
  return fn;
}

function convPadding(x: tf.Tensor4D, kh: number, kw: number, stride: number, padding: Padding) {
  if (padding === 'valid') return 'valid' as const;
  const g = convGeometry(x.shape[1], x.shape[2], kh, kw, stride, padding);
  return [
    [0, 0],
    [g.padTop, g.padBottom],
    [g.padLeft, g.padRight],
    [0, 0],
  ] as [[number, number], [number, number], [number, number], [number, number]];
}

/** A 1x1 convolution is a matrix product over all positions. */
function conv1x1(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, cin] = x.shape;
  const cout = w.shape[3];
  const y = matMul(tf.reshape(x, [n * h * wd, cin]), tf.reshape(w, [cin, cout]));
  return tf.reshape(y, [n, h, wd, cout]);
}

/**
 * True when tfjs's own conv2d gradient kernels are fast on the active backend: native TensorFlow, or wasm with
 * @mmnet/native-kernels (which registers Conv2DBackpropFilter, a kernel stock wasm lacks).
 */
function hasFastConvGradientKernels(): boolean {
  const backend = tf.getBackend();
  if (backend === 'tensorflow') return true;
  return backend === 'wasm' && tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
}

/**
 * 2-D convolution of NHWC input with an HWIO kernel, with gradients that are fast on every backend: tfjs's
 * own where its backprop kernels are fast (hasFastConvGradientKernels), otherwise a custom gradient from
 * forward convolutions and products (stock wasm has no Conv2DBackpropFilter kernel and a slow
 * Conv2DBackpropInput).
 */
export function conv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  bias?: tf.Tensor1D | null,
  options: Conv2dOptions = {},
): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 'same';
  if (x.rank !== 4) throw new Error(`conv2d: input must be rank 4 NHWC, got shape [${x.shape}]`);
  if (w.rank !== 4) throw new Error(`conv2d: kernel must be rank 4 HWIO, got shape [${w.shape}]`);
  if (x.shape[3] !== w.shape[2]) {
    throw new Error(
      `conv2d: input has ${x.shape[3]} channels but the kernel expects ${w.shape[2]} (kernel [${w.shape}])`,
    );
  }
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (w.shape[0] === 1 && w.shape[1] === 1 && stride === 1) {
      y = conv1x1(x, w);
    } else if (hasFastConvGradientKernels()) {
      y = tf.conv2d(x, w, stride, padding);
    } else {
      y = fastConv(stride, padding)(x, w);
    }
    return bias ? (addBias(y, bias) as tf.Tensor4D) : y;
  });
}
