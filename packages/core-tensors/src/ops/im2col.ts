import * as tf from '@tensorflow/tfjs-core';

export type Padding = 'same' | 'valid';

export interface ConvGeometry {
  outH: number;
  outW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** Output size and padding of a convolution, as TensorFlow computes them for 'same' and 'valid'. */
export function convGeometry(
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  stride: number,
  padding: Padding,
): ConvGeometry {
  if (padding === 'valid') {
    return {
      outH: Math.floor((inH - kh) / stride) + 1,
      outW: Math.floor((inW - kw) / stride) + 1,
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 0,
    };
  }
  const outH = Math.ceil(inH / stride);
  const outW = Math.ceil(inW / stride);
  const padH = Math.max((outH - 1) * stride + kh - inH, 0);
  const padW = Math.max((outW - 1) * stride + kw - inW, 0);
  const padTop = Math.floor(padH / 2);
  const padLeft = Math.floor(padW / 2);
  return { outH, outW, padTop, padBottom: padH - padTop, padLeft, padRight: padW - padLeft };
}

/** The kh*kw shifted windows of a padded [N, H, W, C] tensor, each [N, outH, outW, C], in (ky, kx) order. */
function windows(
  x: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  padding: Padding,
  axes: { h: number; w: number },
): tf.Tensor[] {
  const shape = x.shape;
  const g = convGeometry(shape[axes.h], shape[axes.w], kh, kw, stride, padding);
  const pads: [number, number][] = shape.map(() => [0, 0]);
  pads[axes.h] = [g.padTop, g.padBottom];
  pads[axes.w] = [g.padLeft, g.padRight];
  const needsPad = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  const padded = needsPad ? tf.pad(x, pads) : x;
  const out: tf.Tensor[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const begin = shape.map(() => 0);
      const size = [...padded.shape];
      begin[axes.h] = ky;
      begin[axes.w] = kx;
      if (stride === 1) {
        size[axes.h] = g.outH;
        size[axes.w] = g.outW;
        out.push(tf.slice(padded, begin, size));
      } else {
        const end = [...padded.shape];
        const strides = shape.map(() => 1);
        end[axes.h] = ky + (g.outH - 1) * stride + 1;
        end[axes.w] = kx + (g.outW - 1) * stride + 1;
        strides[axes.h] = stride;
        strides[axes.w] = stride;
        out.push(tf.stridedSlice(padded, begin, end, strides));
      }
    }
  }
  return out;
}

/** Patches of an NHWC tensor: [N, outH, outW, kh*kw*C] with features ordered (ky, kx, c) like an HWIO kernel. */
export function im2col(
  x: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  if (kh === 1 && kw === 1 && stride === 1) return x;
  return tf.concat(windows(x, kh, kw, stride, padding, { h: 1, w: 2 }), 3) as tf.Tensor4D;
}

/**
 * Transposed patches: [kh*kw*C, N*outH*outW], built from the channel-first view of x so that only x
 * (not the kh*kw times larger patch matrix) is transposed.
 */
export function im2colTransposed(
  x: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  padding: Padding,
): tf.Tensor2D {
  const [n, , , c] = x.shape;
  const channelFirst = tf.transpose(x, [3, 0, 1, 2]) as tf.Tensor4D; // [C, N, H, W]
  const parts = windows(channelFirst, kh, kw, stride, padding, { h: 2, w: 3 });
  const [, , outH, outW] = parts[0].shape;
  const rows = parts.map((p) => tf.reshape(p, [c, n * outH * outW]));
  return (rows.length === 1 ? rows[0] : tf.concat(rows, 0)) as tf.Tensor2D;
}
