import type { KernelFunc } from '@tensorflow/tfjs-core';
import { ADAM_UPDATE_KERNEL_NAME, makeAdamUpdate } from '../kernels/adam-update';
import { makeBatchMatMul, makeFusedMatMul } from '../kernels/batch-mat-mul';
import { makeConv2D, makeFusedConv2D } from '../kernels/conv2d';
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from '../kernels/conv2d-backprop';
import type { KernelContext } from '../kernels/kernel-context';

/** Every kernel this package can put in front of the wasm backend (tfjs-core kernel names). */
export const NATIVE_KERNEL_FACTORIES: Record<string, (context: KernelContext) => KernelFunc> = {
  BatchMatMul: makeBatchMatMul,
  _FusedMatMul: makeFusedMatMul,
  Conv2D: makeConv2D,
  FusedConv2D: makeFusedConv2D,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Conv2DBackpropFilter: makeConv2DBackpropFilter,
  [ADAM_UPDATE_KERNEL_NAME]: makeAdamUpdate,
};

export const NATIVE_KERNEL_NAMES = Object.keys(NATIVE_KERNEL_FACTORIES);
