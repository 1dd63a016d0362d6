import { installWasmIdentity } from './wasm-identity.js';
import { installWasmMatMulGuard } from './wasm-matmul-guard.js';
import { installWasmOneHot } from './wasm-one-hot.js';
import { installWasmSlice } from './wasm-slice.js';
import { installWasmTanh } from './wasm-tanh.js';

/**
 * Replaces the wasm backend's kernels that mmnet has faster versions of: Slice and SplitV (copy only the slices),
 * Identity (shares data instead of copying), Tanh (vectorised, via Sigmoid); fixes OneHot's float32 output
 * (wasm-one-hot.ts); and guards BatchMatMul and _FusedMatMul against a stale operator cache (see
 * wasm-matmul-guard.ts).
 */
export function installWasmKernels(): void {
  installWasmSlice();
  installWasmIdentity();
  installWasmTanh();
  installWasmOneHot();
  installWasmMatMulGuard();
}
