import type { backend_util, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapBuffer, heapOffset } from '../wasm/wasm-heap';
import { type ConvAttrs, convInfo, encodeGeometry, sameShape, unsupportedConv } from './conv-geometry';
import type { KernelArgs, KernelContext } from './kernel-context';
import { runOriginal } from './kernel-context';

interface BackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * The convolution a backprop kernel differentiates (input `inShape`, filter `filterShape`), or why the native
 * kernel leaves it to wasm's: `operands` it cannot take, or a `dy` not of the convolution's output shape.
 */
function backpropConvInfo(
  attrs: ConvAttrs,
  inShape: number[],
  filterShape: number[],
  dy: TensorInfo,
  operands: TensorInfo[],
): backend_util.Conv2DInfo | string {
  const unsupported = unsupportedConv(attrs, ...operands);
  if (unsupported !== null) return unsupported;
  const info = convInfo(inShape, filterShape, attrs, 1);
  return sameShape(dy.shape, info.outShape) ? info : `dy of shape [${dy.shape}]`;
}

/** Conv2DBackpropInput: dx = col2im(dy @ filter^T). */
export function makeConv2DBackpropInput(context: KernelContext): KernelFunc {
  return (args) => {
    const kernelArgs = args as KernelArgs;
    const { dy, filter } = kernelArgs.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = kernelArgs.attrs as unknown as BackpropInputAttrs;
    const info = backpropConvInfo(attrs, attrs.inputShape, filter.shape, dy, [dy, filter]);
    if (typeof info === 'string') return runOriginal(context, 'Conv2DBackpropInput', kernelArgs, info);
    const backend = asWasmBackend(kernelArgs.backend);
    const dx = backend.makeOutput(info.inShape, 'float32');
    context.addon.conv2dBackpropInput(
      heapBuffer(backend),
      heapOffset(backend, dy),
      heapOffset(backend, filter),
      heapOffset(backend, dx),
      encodeGeometry(info),
    );
    return dx;
  };
}

/** Conv2DBackpropFilter: dW = im2col(x)^T @ dy (wasm has no kernel of its own for it). */
export function makeConv2DBackpropFilter(context: KernelContext): KernelFunc {
  return (args) => {
    const kernelArgs = args as KernelArgs;
    const { x, dy } = kernelArgs.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = kernelArgs.attrs as unknown as BackpropFilterAttrs;
    const backend = asWasmBackend(kernelArgs.backend);
    if (attrs.filterShape.some((d) => d === 0)) return backend.makeOutput(attrs.filterShape, 'float32');
    if (x.shape.some((d) => d === 0) && (attrs.dataFormat ?? 'NHWC') === 'NHWC') {
      const dw = backend.makeOutput(attrs.filterShape, 'float32');
      backend.typedArrayFromHeap(dw).fill(0);
      return dw;
    }
    const info = backpropConvInfo(attrs, x.shape, attrs.filterShape, dy, [x, dy]);
    if (typeof info === 'string') return runOriginal(context, 'Conv2DBackpropFilter', kernelArgs, info);
    const dw = backend.makeOutput(attrs.filterShape, 'float32');
    context.addon.conv2dBackpropFilter(
      heapBuffer(backend),
      heapOffset(backend, x),
      heapOffset(backend, dy),
      heapOffset(backend, dw),
      encodeGeometry(info),
    );
    return dw;
  };
}
