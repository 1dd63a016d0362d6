import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapBuffer, heapOffset } from '../wasm/wasm-heap';
import { type EpiloguePlan, encodeEpilogue, LINEAR, unsupportedEpilogue } from './epilogue';
import { hasEmptyTensor, type KernelArgs, type KernelContext, runOriginal } from './kernel-context';
import { planMatMul } from './mat-mul-plan';

/** Why the native product cannot take these operands, or null. */
function unsupportedOperands(a: TensorInfo, b: TensorInfo): string | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return `dtype ${a.dtype} x ${b.dtype}`;
  if (a.shape.length < 2 || b.shape.length < 2) return 'operands of rank < 2';
  if (hasEmptyTensor(a, b)) return 'empty operands';
  return null;
}

/** Runs act(a @ b + bias) in the addon, writing a new wasm tensor. */
function nativeMatMul(
  context: KernelContext,
  backendArg: unknown,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: EpiloguePlan,
): TensorInfo {
  const backend = asWasmBackend(backendArg);
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  const out = backend.makeOutput(plan.outShape, 'float32');
  const { m, n, k } = plan;
  const aBase = heapOffset(backend, a);
  const bBase = heapOffset(backend, b);
  const outBase = heapOffset(backend, out);
  const batches = plan.aBatchIndex.length;
  const aOffsets = new Float64Array(batches);
  const bOffsets = new Float64Array(batches);
  const outOffsets = new Float64Array(batches);
  for (let i = 0; i < batches; i++) {
    aOffsets[i] = aBase + plan.aBatchIndex[i] * m * k * 4;
    bOffsets[i] = bBase + plan.bBatchIndex[i] * k * n * 4;
    outOffsets[i] = outBase + i * m * n * 4;
  }
  const encoded = encodeEpilogue(backend, epilogue);
  context.addon.matMul(
    heapBuffer(backend),
    aOffsets,
    bOffsets,
    outOffsets,
    m,
    n,
    k,
    transposeA,
    transposeB,
    encoded,
  );
  return out;
}

/** BatchMatMul: a [..., m, k] @ b [..., k, n] with transpose flags and broadcast batch dimensions. */
export function makeBatchMatMul(context: KernelContext): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as KernelArgs;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const unsupported = unsupportedOperands(a, b);
    if (unsupported !== null) return runOriginal(context, 'BatchMatMul', args as KernelArgs, unsupported);
    return nativeMatMul(
      context,
      backend,
      a,
      b,
      Boolean(attrs?.transposeA),
      Boolean(attrs?.transposeB),
      LINEAR,
    );
  };
}

/** _FusedMatMul: act(a @ b + bias) with the activations tfjs fuses. */
export function makeFusedMatMul(context: KernelContext): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as KernelArgs;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    const plan: EpiloguePlan = {
      bias: inputs.bias as TensorInfo | undefined,
      activation: String(attrs?.activation ?? 'linear'),
      leakyreluAlpha: attrs?.leakyreluAlpha as number | undefined,
      preluWeights: inputs.preluActivationWeights as TensorInfo | undefined,
    };
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const outRank = Math.max(a.shape.length, b.shape.length);
    const unsupported = unsupportedOperands(a, b) ?? unsupportedEpilogue(plan, n, outRank);
    if (unsupported !== null) return runOriginal(context, '_FusedMatMul', args as KernelArgs, unsupported);
    return nativeMatMul(context, backend, a, b, transposeA, transposeB, plan);
  };
}
