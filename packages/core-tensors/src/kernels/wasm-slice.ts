import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.js';
import { heapView, type WasmBackendInternals } from './wasm-heap.js';
import { isWasmMatMulGuard } from './wasm-matmul-guard.js';

/**
 * Slice for the wasm backend that reads the input in place. tfjs-backend-wasm's own Slice copies the whole
 * input out of the heap before slicing, so taking the N rows of a batch one by one costs N full copies;
 * this one copies only the slice.
 */
function sliceFromHeap(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string' || x.dtype === 'complex64')
    return stockSlice!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.TensorInfo as tf.Tensor,
    attrs.begin,
    attrs.size,
  );
  const out = backend.makeOutput(size, x.dtype);
  const count = size.reduce((a, b) => a * b, 1);
  if (count === 0) return out;
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * x.shape[i + 1];
  // Copy maximal contiguous runs: the innermost dims that are taken whole merge into one run.
  let runDims = rank - 1;
  let run = size[rank - 1];
  while (runDims > 0 && size[runDims] === x.shape[runDims]) {
    runDims--;
    run *= size[runDims];
  }
  if (runDims === 0) {
    const offset = begin[0] * strides[0];
    dst.set(src.subarray(offset, offset + run));
    return out;
  }
  // Odometer over the outer dims [0, runDims).
  const index = new Array<number>(runDims).fill(0);
  let outOffset = 0;
  const outerCount = count / run;
  for (let k = 0; k < outerCount; k++) {
    let offset = begin[runDims] * strides[runDims];
    for (let d = 0; d < runDims; d++) offset += (begin[d] + index[d]) * strides[d];
    if (run < 32) {
      // Short runs: an element loop beats creating a subarray per run.
      for (let e = 0; e < run; e++) dst[outOffset + e] = src[offset + e];
    } else {
      dst.set(src.subarray(offset, offset + run), outOffset);
    }
    outOffset += run;
    for (let d = runDims - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * SplitV for the wasm backend as in-place slices: the stock kernel runs its own copying Slice per output,
 * copying the whole input once per part (a 237 MB memory-bank read split into 44 parts took ~0.5 s a split).
 */
function splitFromHeap(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string' || x.dtype === 'complex64')
    return stockSplitV!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo[];
  const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(
    x as tf.TensorInfo as tf.Tensor,
    attrs.numOrSizeSplits,
    axis,
  );
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = [...x.shape];
  return sizes.map((part) => {
    size[axis] = part;
    const out = sliceFromHeap({
      inputs: { x },
      backend: args.backend,
      attrs: { begin: [...begin], size: [...size] },
    });
    begin[axis] += part;
    return out;
  });
}

let installed = false;
let stockSplitV: tf.KernelFunc | undefined;
let stockSlice: tf.KernelFunc | undefined;
let stockBatchMatMul: tf.KernelFunc | undefined;

/** Replaces the wasm backend's Slice and SplitV kernels by the in-place ones (idempotent). */
export function installWasmSlice(): void {
  if (installed) return;
  stockSlice = replaceWasmKernel('Slice', sliceFromHeap as tf.KernelFunc, 'installWasmSlice');
  stockBatchMatMul = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  if (tf.getKernel('SplitV', 'wasm')) {
    stockSplitV = replaceWasmKernel('SplitV', splitFromHeap as tf.KernelFunc, 'installWasmSlice');
  }
  installed = true;
}

/**
 * True when the active backend is wasm with its stock BatchMatMul (alone or behind mmnet's operator-cache
 * guard), which runs batched products ~10x slower than 2-D ones (an accelerator that replaces the kernel turns
 * this off).
 */
export function hasSlowBatchedMatMul(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const current = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  return current !== undefined && (current === stockBatchMatMul || isWasmMatMulGuard(current));
}
