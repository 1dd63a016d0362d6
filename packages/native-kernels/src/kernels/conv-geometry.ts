import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** Convolution attributes as tfjs passes them to Conv2D-family kernels. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** tfjs's own convolution shape computation (padding, output size) for NHWC tensors. */
export function convInfo(
  inShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  dilations: number | [number, number] = attrs.dilations ?? 1,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Why the native convolution cannot take these attributes/tensors, or null. */
export function unsupportedConv(attrs: ConvAttrs, ...tensors: TensorInfo[]): string | null {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return `dataFormat ${attrs.dataFormat}`;
  for (const t of tensors) {
    if (t.dtype !== 'float32') return `dtype ${t.dtype}`;
    if (t.shape.length !== 4) return `rank-${t.shape.length} tensor`;
    if (t.shape.some((d) => d === 0)) return 'empty tensors';
  }
  return null;
}

/**
 * The addon's geometry vector: [batch, inH, inW, inC, filterH, filterW, outC, strideH, strideW,
 * dilationH, dilationW, padTop, padLeft, outH, outW].
 */
export function encodeGeometry(info: backend_util.Conv2DInfo): Float64Array {
  return new Float64Array([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outHeight,
    info.outWidth,
  ]);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
