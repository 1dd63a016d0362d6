import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
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

/** Conv2DBackpropInput: dx = col2im(dy @ filter^T). */
export function makeConv2DBackpropInput(context: KernelContext): KernelFunc {
  return (args) => {
    const kernelArgs = args as KernelArgs;
    const dy = kernelArgs.inputs.dy as TensorInfo;
    const filter = kernelArgs.inputs.filter as TensorInfo;
    const attrs = kernelArgs.attrs as unknown as BackpropInputAttrs;
    const unsupported = unsupportedConv(attrs, dy, filter);
    if (unsupported !== null) return runOriginal(context, 'Conv2DBackpropInput', kernelArgs, unsupported);
    const info = convInfo(attrs.inputShape, filter.shape, attrs, 1);
    if (!sameShape(dy.shape, info.outShape)) {
      return runOriginal(context, 'Conv2DBackpropInput', kernelArgs, `dy of shape [${dy.shape}]`);
    }
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
    const x = kernelArgs.inputs.x as TensorInfo;
    const dy = kernelArgs.inputs.dy as TensorInfo;
    const attrs = kernelArgs.attrs as unknown as BackpropFilterAttrs;
    const backend = asWasmBackend(kernelArgs.backend);
    if (attrs.filterShape.some((d) => d === 0)) return backend.makeOutput(attrs.filterShape, 'float32');
    if (x.shape.some((d) => d === 0) && (attrs.dataFormat ?? 'NHWC') === 'NHWC') {
      const dw = backend.makeOutput(attrs.filterShape, 'float32');
      backend.typedArrayFromHeap(dw).fill(0);
      return dw;
    }
    const unsupported = unsupportedConv(attrs, x, dy);
    if (unsupported !== null) return runOriginal(context, 'Conv2DBackpropFilter', kernelArgs, unsupported);
    const info = convInfo(x.shape, attrs.filterShape, attrs, 1);
    if (!sameShape(dy.shape, info.outShape)) {
      return runOriginal(context, 'Conv2DBackpropFilter', kernelArgs, `dy of shape [${dy.shape}]`);
    }
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
