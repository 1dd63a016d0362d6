import type * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm that kernels working on its heap need. */
export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: {
    get(dataId: object): { memoryOffset: number; shape: number[]; dtype: tf.DataType } | undefined;
  };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const ELEMENT_TYPES = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/**
 * A view (no copy) of a tensor's values inside the wasm heap. Always built from the heap's current
 * buffer: growing the heap detaches earlier ArrayBuffers.
 */
export function heapView(
  backend: WasmBackendInternals,
  info: tf.TensorInfo,
): Float32Array | Int32Array | Uint8Array {
  const entry = backend.dataIdMap.get(info.dataId);
  if (!entry) throw new Error('wasm heap: tensor data not found (disposed?)');
  const type = ELEMENT_TYPES[info.dtype as keyof typeof ELEMENT_TYPES];
  if (!type) throw new Error(`wasm heap: dtype ${info.dtype} has no heap view`);
  let size = 1;
  for (const d of info.shape) size *= d;
  return new type(backend.wasm.HEAPU8.buffer as ArrayBuffer, entry.memoryOffset, size);
}
