import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let stockIdentity: tf.KernelFunc | undefined;

/**
 * Identity for the wasm backend that shares the input's data (reference counted), as the cpu backend's does.
 * tfjs clones every tensor a gradient saves through Identity, and the stock wasm kernel copies it: a full copy
 * of each saved activation per op in every training step.
 */
function sharedIdentity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return stockIdentity!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replaces the wasm backend's Identity kernel by `sharedIdentity` (idempotent). */
export function installWasmIdentity(): void {
  if (stockIdentity) return;
  stockIdentity = replaceWasmKernel('Identity', sharedIdentity as tf.KernelFunc, 'installWasmIdentity');
}
