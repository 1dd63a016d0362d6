import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.js';
import { heapView, type WasmBackendInternals } from './wasm-heap.js';

let stockOneHot: tf.KernelFunc | undefined;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * OneHot for the wasm backend that honours a float32 dtype. tfjs-backend-wasm 4.22's OneHot writes its on and
 * off values as int32 whatever the dtype, so `tf.oneHot(ids, n, 1, 0, 'float32')` gives 1.4e-45 (the bits of
 * integer 1) where it should give 1. Other dtypes go to the stock kernel.
 */
function oneHotFromHeap(args: KernelArgs): tf.TensorInfo {
  const { depth, onValue, offValue, dtype } = args.attrs as unknown as {
    depth: number;
    onValue: number;
    offValue: number;
    dtype: tf.DataType;
  };
  if (dtype !== 'float32') return stockOneHot!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const backend = args.backend as WasmBackendInternals;
  const indices = args.inputs.indices as tf.TensorInfo;
  const out = backend.makeOutput([...indices.shape, depth], 'float32');
  const ids = heapView(backend, indices);
  const values = heapView(backend, out) as Float32Array;
  values.fill(offValue);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id >= 0 && id < depth) values[i * depth + id] = onValue;
  }
  return out;
}

/** Replaces the wasm backend's OneHot kernel by `oneHotFromHeap` (idempotent). */
export function installWasmOneHot(): void {
  if (stockOneHot) return;
  stockOneHot = replaceWasmKernel('OneHot', oneHotFromHeap as tf.KernelFunc, 'installWasmOneHot');
}
