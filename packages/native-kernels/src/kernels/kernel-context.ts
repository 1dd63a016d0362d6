import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon/native-addon';

/** Arguments tfjs passes to a kernel function. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** What a native kernel needs: the addon, and the wasm kernel it replaces (absent when wasm has none). */
export interface KernelContext {
  addon: NativeAddon;
  original?: KernelConfig;
}

/** Runs the replaced wasm kernel for a case the native kernel does not handle. */
export function runOriginal(
  context: KernelContext,
  kernelName: string,
  args: KernelArgs,
  reason: string,
): TensorInfo | TensorInfo[] {
  if (context.original !== undefined) {
    return context.original.kernelFunc(args as Parameters<KernelFunc>[0]);
  }
  throw new Error(
    `${kernelName} on wasm: ${reason} is not supported by @mmnet/native-kernels, and wasm has no kernel of its own`,
  );
}

export function hasEmptyTensor(...tensors: (TensorInfo | undefined)[]): boolean {
  return tensors.some((t) => t?.shape.some((d) => d === 0));
}
