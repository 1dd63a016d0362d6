import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm that the native kernels use. */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Narrows the backend handed to a kernel, so a misuse fails with a clear message. */
export function asWasmBackend(backend: unknown): WasmBackendLike {
  const candidate = backend as Partial<WasmBackendLike> | null;
  if (candidate?.wasm?.HEAPU8 === undefined || candidate.dataIdMap === undefined) {
    throw new Error('@mmnet/native-kernels: kernel called on a backend that is not tfjs-backend-wasm');
  }
  return candidate as WasmBackendLike;
}

/**
 * The wasm heap's current buffer. Memory growth replaces (and detaches) it, so read it right before each
 * native call, after every output has been allocated.
 */
export function heapBuffer(backend: WasmBackendLike): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackendLike, tensor: TensorInfo): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined || data.memoryOffset == null) {
    throw new Error('@mmnet/native-kernels: tensor data is not in the wasm heap');
  }
  return data.memoryOffset;
}
