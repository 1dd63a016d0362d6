import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike } from '../wasm/wasm-heap';

/** Activation codes understood by the addon (native/src/epilogue.h). */
const ACTIVATION_CODES: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  prelu: 4,
  elu: 5,
  sigmoid: 6,
};

export interface EpiloguePlan {
  bias?: TensorInfo;
  activation: string;
  leakyreluAlpha?: number;
  preluWeights?: TensorInfo;
}

/** True when a per-channel tensor broadcasts over [.., channels] as a single value or one value per channel. */
function isChannelVector(tensor: TensorInfo, channels: number): boolean {
  if (tensor.dtype !== 'float32') return false;
  const size = util.sizeFromShape(tensor.shape);
  if (size === 1) return true;
  return size === channels && tensor.shape[tensor.shape.length - 1] === channels;
}

/**
 * Why the addon cannot apply this bias/activation over an output with `channels` columns and rank `outRank`,
 * or null when it can.
 */
export function unsupportedEpilogue(plan: EpiloguePlan, channels: number, outRank: number): string | null {
  if (!(plan.activation in ACTIVATION_CODES)) return `activation '${plan.activation}'`;
  if (
    plan.bias !== undefined &&
    (!isChannelVector(plan.bias, channels) || plan.bias.shape.length > outRank)
  ) {
    return `bias of shape [${plan.bias.shape}]`;
  }
  if (plan.activation === 'prelu') {
    const w = plan.preluWeights;
    if (w === undefined) return 'prelu without weights';
    if (!isChannelVector(w, channels) || w.shape.length > outRank)
      return `prelu weights of shape [${w.shape}]`;
  }
  return null;
}

/** Encodes the plan as the addon's [biasOffset, biasSize, activation, alpha, preluOffset, preluSize]. */
export function encodeEpilogue(backend: WasmBackendLike, plan: EpiloguePlan): Float64Array {
  const encoded = new Float64Array([
    -1,
    0,
    ACTIVATION_CODES[plan.activation],
    plan.leakyreluAlpha ?? 0.2,
    -1,
    0,
  ]);
  if (plan.bias !== undefined) {
    encoded[0] = heapOffset(backend, plan.bias);
    encoded[1] = util.sizeFromShape(plan.bias.shape);
  }
  if (plan.activation === 'prelu' && plan.preluWeights !== undefined) {
    encoded[4] = heapOffset(backend, plan.preluWeights);
    encoded[5] = util.sizeFromShape(plan.preluWeights.shape);
  }
  return encoded;
}

export const LINEAR: EpiloguePlan = { activation: 'linear' };
