import { installWasmIdentity } from './wasm-identity.js';
import { installWasmSlice } from './wasm-slice.js';
import { installWasmTanh } from './wasm-tanh.js';

/**
 * Replaces the wasm backend's kernels that mmnet has faster versions of: Slice and SplitV (copy only the slices),
 * Identity (shares data instead of copying), Tanh (vectorised, via Sigmoid).
 */
export function installWasmKernels(): void {
  installWasmSlice();
  installWasmIdentity();
  installWasmTanh();
}
