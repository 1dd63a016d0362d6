import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.js';
import { heapView, type WasmBackendInternals } from './wasm-heap.js';

/**
 * tfjs-backend-wasm's BatchMatMul and _FusedMatMul keep one XNNPACK operator per right-hand operand, found by
 * the operand's data id and built with the shape it had the first time. A reshape shares its input's data id,
 * so multiplying by the same data under another shape (a [1, 64] gradient, then its reshape to [64, 1], as
 * the backward pass of a one-row layer does) runs an operator built for the other shape: it writes outside
 * its output and corrupts the wasm heap, which fails later, elsewhere ("memory access out of bounds" in a
 * free). This guard remembers the shape and transpose flag each right-hand operand's data was first used with,
 * and gives the stock kernel a fresh copy when they differ.
 */
const firstUse = new WeakMap<object, string>();

function guardedProduct(stock: tf.KernelFunc, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  const backend = args.backend as unknown as WasmBackendInternals;
  const b = args.inputs.b as tf.TensorInfo;
  const attrs = args.attrs as unknown as { transposeB?: boolean };
  const key = `${b.shape.join('x')}:${attrs.transposeB ? 't' : 'n'}`;
  const seen = firstUse.get(b.dataId);
  if (seen === undefined) firstUse.set(b.dataId, key);
  if (seen === undefined || seen === key || b.dtype !== 'float32') return stock(args);
  const copy = backend.makeOutput([...b.shape], b.dtype);
  heapView(backend, copy).set(heapView(backend, b));
  try {
    return stock({ ...args, inputs: { ...args.inputs, b: copy } });
  } finally {
    backend.disposeData(copy.dataId);
  }
}

let installed = false;
const guards = new Set<tf.KernelFunc>();

/** Whether a kernel is this guard (in front of the stock wasm product, whose speed it keeps). */
export function isWasmMatMulGuard(kernel: tf.KernelFunc | undefined): boolean {
  return kernel !== undefined && guards.has(kernel);
}

/** Puts the guard in front of the wasm backend's BatchMatMul and _FusedMatMul (idempotent). */
export function installWasmMatMulGuard(): void {
  if (installed) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    let stock: tf.KernelFunc | undefined;
    const guard: tf.KernelFunc = (args) => guardedProduct(stock!, args);
    guards.add(guard);
    stock = replaceWasmKernel(name, guard, 'installWasmMatMulGuard');
  }
  installed = true;
}
