import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapBuffer, heapOffset } from '../wasm/wasm-heap';
import { type ConvAttrs, convInfo, encodeGeometry, unsupportedConv } from './conv-geometry';
import { type EpiloguePlan, encodeEpilogue, LINEAR, unsupportedEpilogue } from './epilogue';
import type { KernelArgs, KernelContext } from './kernel-context';
import { runOriginal } from './kernel-context';

function runConv2D(
  context: KernelContext,
  kernelName: string,
  args: KernelArgs,
  epilogue: EpiloguePlan,
): TensorInfo | TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const attrs = args.attrs as unknown as ConvAttrs;
  const unsupported =
    unsupportedConv(attrs, x, filter) ?? unsupportedEpilogue(epilogue, filter.shape[3] ?? 0, 4);
  if (unsupported !== null) return runOriginal(context, kernelName, args, unsupported);
  const info = convInfo(x.shape, filter.shape, attrs);
  const backend = asWasmBackend(args.backend);
  const out = backend.makeOutput(info.outShape, 'float32');
  if (out.shape.some((d) => d === 0)) return out;
  context.addon.conv2d(
    heapBuffer(backend),
    heapOffset(backend, x),
    heapOffset(backend, filter),
    heapOffset(backend, out),
    encodeGeometry(info),
    encodeEpilogue(backend, epilogue),
  );
  return out;
}

/** Conv2D (NHWC): im2col + GEMM in the addon. */
export function makeConv2D(context: KernelContext): KernelFunc {
  return (args) => runConv2D(context, 'Conv2D', args as KernelArgs, LINEAR);
}

/** FusedConv2D: act(conv2d(x, filter) + bias). */
export function makeFusedConv2D(context: KernelContext): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as KernelArgs;
    const epilogue: EpiloguePlan = {
      bias: inputs.bias as TensorInfo | undefined,
      activation: String(attrs?.activation ?? 'linear'),
      leakyreluAlpha: attrs?.leakyreluAlpha as number | undefined,
      preluWeights: inputs.preluActivationWeights as TensorInfo | undefined,
    };
    return runConv2D(context, 'FusedConv2D', args as KernelArgs, epilogue);
  };
}
